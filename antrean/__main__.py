"""`python -m antrean`: the same command line as `antrean`."""

from antrean.cli import main

raise SystemExit(main())
