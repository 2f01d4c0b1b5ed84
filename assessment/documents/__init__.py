"""Documents that take seconds to make (a region's PDF report, the berita acara pleno): made by the background
worker, the report reused while the data it was made from is unchanged (:mod:`.operations`), with a progress page
(:mod:`.routes`). The kinds register themselves: :mod:`assessment.results.documents`,
:mod:`assessment.publication.documents`."""
