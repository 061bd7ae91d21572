"""The "Current job" box at the top of the main window: job number, site, address, service
level, operator and the catalog version (translation context "MainWindow")."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.job_summary import JobSummary

__all__ = ["JobPanel"]


class JobPanel(QGroupBox):
    """Shows one job summary, or "No job open"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._job: JobSummary | None = None
        job_layout = QVBoxLayout(self)
        self.job_stack = QStackedWidget(self)
        self.no_job_label = QLabel(self.job_stack)
        self.no_job_label.setObjectName("noJobLabel")
        job_page = QWidget(self.job_stack)
        job_row = QHBoxLayout(job_page)
        job_row.setContentsMargins(0, 0, 0, 0)
        left_form = QFormLayout()
        right_form = QFormLayout()
        self.job_number_caption = QLabel(job_page)
        self.job_number_value = QLabel(job_page)
        self.site_caption = QLabel(job_page)
        self.site_value = QLabel(job_page)
        self.level_caption = QLabel(job_page)
        self.level_value = QLabel(job_page)
        self.operator_caption = QLabel(job_page)
        self.operator_value = QLabel(job_page)
        self.address_caption = QLabel(job_page)
        self.address_value = QLabel(job_page)
        self.catalog_caption = QLabel(job_page)
        self.catalog_value = QLabel(job_page)
        self.catalog_value.setObjectName("catalogValue")
        for value in (
            self.job_number_value,
            self.site_value,
            self.operator_value,
            self.address_value,
            self.catalog_value,
        ):
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.level_value.setStyleSheet("color: #b8860b; font-size: 14pt;")
        left_form.addRow(self.job_number_caption, self.job_number_value)
        left_form.addRow(self.site_caption, self.site_value)
        left_form.addRow(self.address_caption, self.address_value)
        right_form.addRow(self.level_caption, self.level_value)
        right_form.addRow(self.operator_caption, self.operator_value)
        right_form.addRow(self.catalog_caption, self.catalog_value)
        job_row.addLayout(left_form, 1)
        job_row.addLayout(right_form, 1)
        self.job_stack.addWidget(self.no_job_label)
        self.job_stack.addWidget(job_page)
        job_layout.addWidget(self.job_stack)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.address_caption.setText(QCoreApplication.translate("MainWindow", "Address:"))
        self.catalog_caption.setText(QCoreApplication.translate("MainWindow", "Catalog:"))
        self.setTitle(QCoreApplication.translate("MainWindow", "Current job"))
        self.no_job_label.setText(QCoreApplication.translate("MainWindow", "No job open"))
        self.job_number_caption.setText(QCoreApplication.translate("MainWindow", "Job number:"))
        self.site_caption.setText(QCoreApplication.translate("MainWindow", "Site:"))
        self.level_caption.setText(QCoreApplication.translate("MainWindow", "Service level:"))
        self.operator_caption.setText(QCoreApplication.translate("MainWindow", "Operator:"))
        self.show_job(self._job)

    def show_job(self, job: JobSummary | None) -> None:
        """Show this job (None: "No job open")."""
        self._job = job
        if job is None:
            self.job_stack.setCurrentIndex(0)
            return
        self.job_number_value.setText(job.job_number)
        self.site_value.setText(job.site)
        self.level_value.setText(job.stars)
        self.level_value.setToolTip(
            QCoreApplication.translate("MainWindow", "Service level %1 of 3").replace(
                "%1", str(job.service_level)
            )
        )
        self.operator_value.setText(job.operator)
        self.address_value.setText(job.site_address)
        self.catalog_value.setText(
            QCoreApplication.translate("MainWindow", "version %1").replace(
                "%1", job.catalog_version
            )
            if job.catalog_version
            else QCoreApplication.translate("MainWindow", "not checked yet")
        )
        self.job_stack.setCurrentIndex(1)
