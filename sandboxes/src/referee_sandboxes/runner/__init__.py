"""The trusted in-sandbox runner: a stdlib-only script, never imported by the host.

The Docker image copies ``runner.py`` in at build time; the bubblewrap backend binds this
very file into each sandbox, so both always run the same runner.
"""

from pathlib import Path

RUNNER_PATH = Path(__file__).with_name("runner.py")
# Where the runner lives inside every sandbox.
RUNNER_IN_SANDBOX = "/opt/referee/runner.py"
