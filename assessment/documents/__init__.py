"""Documents that take seconds to make (a kabupaten's PDF report): made by the background worker, reused while
the data they were made from is unchanged (:mod:`.operations`), with a progress page (:mod:`.routes`)."""
