"""Handover documents: the user guidance sheet (R2-6), the handover report, closing a job.

The core builds the documents' *content* - data, HTML for Qt's rich-text engine, the QR code
image - in Japanese (default) or English. It never draws: ``ui/printing.py`` renders with Qt
(QTextDocument to QPdfWriter or QPrinter), the only renderer.

Public API::

    facts = collect_facts(store, job_id, catalog=catalog)        # what the documents say
    sheet = build_sheet(facts, language="ja", support=contact)   # RenderableDocument
    report = build_report(facts)                                 # dict, docs/report-schema.json
    doc = report_document(report, language="en")                 # RenderableDocument
    outcome = close_and_hand_over(store, job_id, catalog=catalog, report_path=path)
"""

from __future__ import annotations

from commissioner.documents.checks import Blocker, blockers, evaluate_requirements
from commissioner.documents.common import SupportContact, load_support_contact
from commissioner.documents.facts import (
    FirmwareFact,
    FirmwareUpdate,
    HandoverFacts,
    HandoverSources,
    OwnerInvitation,
    ProvisioningFact,
    StoreSources,
    collect_facts,
)
from commissioner.documents.handover import (
    HandoverOutcome,
    close_and_hand_over,
    handover_blockers,
    prepare_sheet,
    record_document_action,
    report_path_for,
    write_report,
)
from commissioner.documents.render import RenderableDocument, RenderStats, set_pdf_renderer
from commissioner.documents.report import build_report, report_document, report_json_text
from commissioner.documents.sheet import build_sheet

__all__ = [
    "Blocker",
    "FirmwareFact",
    "FirmwareUpdate",
    "HandoverFacts",
    "HandoverOutcome",
    "HandoverSources",
    "OwnerInvitation",
    "ProvisioningFact",
    "RenderStats",
    "RenderableDocument",
    "StoreSources",
    "SupportContact",
    "blockers",
    "build_report",
    "build_sheet",
    "close_and_hand_over",
    "collect_facts",
    "evaluate_requirements",
    "handover_blockers",
    "load_support_contact",
    "prepare_sheet",
    "record_document_action",
    "report_document",
    "report_json_text",
    "report_path_for",
    "set_pdf_renderer",
    "write_report",
]
