"""Field verification (klarifikasi lapangan): finalists, the phone page of the visiting team, field levels."""
