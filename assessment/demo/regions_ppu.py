"""The region tree of Kabupaten Penajam Paser Utara (PPU), for the demo: 4 kecamatan, 30 desa, 24 kelurahan.

Public facts: names and codes as set by Kepmendagri No 300.2.2-2138/2025 (Kode dan Data Wilayah Administrasi
Pemerintahan dan Pulau), the same decree the full Kemendagri list imported with ``desa-digital regions import``
comes from. Kept in the project so that ``desa-digital demo`` works on a machine without that list.
"""

from __future__ import annotations

DECREE = "Kepmendagri 300.2.2-2138/2025"
PPU_CODE = "64.09"

# (kode, nama, tingkat), parents before children.
PPU_REGIONS: tuple[tuple[str, str, str], ...] = (
    ("64", "Kalimantan Timur", "provinsi"),
    ("64.09", "Kabupaten Penajam Paser Utara", "kabupaten"),
    ("64.09.01", "Penajam", "kecamatan"),
    ("64.09.01.1001", "Tanjung Tengah", "kelurahan"),
    ("64.09.01.1002", "Salo Loang", "kelurahan"),
    ("64.09.01.1003", "Petung", "kelurahan"),
    ("64.09.01.1004", "Lawe-lawe", "kelurahan"),
    ("64.09.01.1005", "Pejala", "kelurahan"),
    ("64.09.01.1006", "Kampung Baru", "kelurahan"),
    ("64.09.01.1007", "Sesumpu", "kelurahan"),
    ("64.09.01.1008", "Sungai Parit", "kelurahan"),
    ("64.09.01.1009", "Nipah-Nipah", "kelurahan"),
    ("64.09.01.1010", "Nenang", "kelurahan"),
    ("64.09.01.1011", "Penajam", "kelurahan"),
    ("64.09.01.1012", "Gunung Seteleng", "kelurahan"),
    ("64.09.01.1013", "Buluminung", "kelurahan"),
    ("64.09.01.1014", "Sotek", "kelurahan"),
    ("64.09.01.1015", "Sepan", "kelurahan"),
    ("64.09.01.1016", "Riko", "kelurahan"),
    ("64.09.01.1017", "Gersik", "kelurahan"),
    ("64.09.01.1018", "Jenebora", "kelurahan"),
    ("64.09.01.1019", "Pantai Lango", "kelurahan"),
    ("64.09.01.2020", "Giri Mukti", "desa"),
    ("64.09.01.2021", "Bukit Subur", "desa"),
    ("64.09.01.2022", "Sidorejo", "desa"),
    ("64.09.01.2023", "Giri Purwa", "desa"),
    ("64.09.02", "Waru", "kecamatan"),
    ("64.09.02.1003", "Waru", "kelurahan"),
    ("64.09.02.2001", "Api-api", "desa"),
    ("64.09.02.2002", "Sesulu", "desa"),
    ("64.09.02.2004", "Bangun Mulya", "desa"),
    ("64.09.03", "Babulu", "kecamatan"),
    ("64.09.03.2001", "Babulu Darat", "desa"),
    ("64.09.03.2002", "Labangka", "desa"),
    ("64.09.03.2003", "Babulu Laut", "desa"),
    ("64.09.03.2004", "Gunung Intan", "desa"),
    ("64.09.03.2005", "Gunung Makmur", "desa"),
    ("64.09.03.2006", "Sebakung Jaya", "desa"),
    ("64.09.03.2007", "Rawa Mulia", "desa"),
    ("64.09.03.2008", "Sri Raharja", "desa"),
    ("64.09.03.2009", "Sumber Sari", "desa"),
    ("64.09.03.2010", "Rintik", "desa"),
    ("64.09.03.2011", "Gunung Mulia", "desa"),
    ("64.09.03.2012", "Labangka Barat", "desa"),
    ("64.09.04", "Sepaku", "kecamatan"),
    ("64.09.04.1005", "Sepaku", "kelurahan"),
    ("64.09.04.1006", "Pemaluan", "kelurahan"),
    ("64.09.04.1007", "Maridan", "kelurahan"),
    ("64.09.04.1008", "Mentawir", "kelurahan"),
    ("64.09.04.2001", "Tengin Baru", "desa"),
    ("64.09.04.2002", "Bukit Raya", "desa"),
    ("64.09.04.2003", "Suka Raja", "desa"),
    ("64.09.04.2004", "Bumi Harapan", "desa"),
    ("64.09.04.2009", "Argo Mulyo", "desa"),
    ("64.09.04.2010", "Semoi Dua", "desa"),
    ("64.09.04.2011", "Suko Mulyo", "desa"),
    ("64.09.04.2012", "Wono Sari", "desa"),
    ("64.09.04.2013", "Karang Jinawi", "desa"),
    ("64.09.04.2014", "Binuang", "desa"),
    ("64.09.04.2015", "Telemow", "desa"),
)
