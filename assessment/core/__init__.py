"""The pure core besides scoring.py and criteria/: standard library and numpy only, type-checked strictly."""
