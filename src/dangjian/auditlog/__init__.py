"""The auditor's pages over the audit log (`/audit/`). The log itself, its chain and its commands are in `core`; the
pages sit above `sheets` because they name organizations, check the auditor duty and export workbooks."""
