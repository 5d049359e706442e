"""sgoversight: quality and safeguarding oversight of the care providers a council commissions."""

__version__ = "0.1.0"
