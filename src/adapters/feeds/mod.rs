//! Threat-data importers: CISA KEV, FIRST EPSS, OSV, CISA vulnrichment (SSVC).
