"""generate-es-reports: the regulator's files and the bank's financial report from the warehouse."""
