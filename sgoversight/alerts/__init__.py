"""Quality alerts: intake, the workflow from open to closed, the register and the QA meeting."""
