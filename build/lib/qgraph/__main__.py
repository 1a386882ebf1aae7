"""``python -m qgraph`` runs the command."""

import sys

from qgraph.cli import main

sys.exit(main())
