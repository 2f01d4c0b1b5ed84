"""The completeness check (verifikasi kelengkapan) by the verifikator kecamatan or the DPMD."""
