"""The region tree: importing the Kemendagri list and region boundaries."""
