"""tap-sumsubapi: Singer tap for Sumsub applicant data (KYC), on the Meltano SDK."""
