"""Job bundles: a sealed job, its audit log and report, and the home's credentials encrypted to
one recipient, signed by the exporting installation (issue 12)."""
