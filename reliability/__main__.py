"""`python -m reliability [--duration SECONDS]` — see reliability/harness.py and docs/operations.md."""

import sys

from reliability.harness import main

sys.exit(main())
