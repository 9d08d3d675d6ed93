"""Where the project's files and the labs' state live."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The checkout holding labs/ and provision/ (the package is installed editable from it)."""
    env = os.environ.get("AIRGAPLAB_HOME")
    if env:
        return Path(env).resolve()
    return PACKAGE_DIR.parents[1]


def provision_dir() -> Path:
    return project_root() / "provision"


def labs_dir() -> Path:
    return project_root() / "labs"


def default_lab_file() -> Path:
    return labs_dir() / "ntp-dns.yaml"


def state_root() -> Path:
    """`.lab/` beside the checkout; AIRGAPLAB_STATE moves it (tests use a temporary one)."""
    env = os.environ.get("AIRGAPLAB_STATE")
    if env:
        return Path(env).resolve()
    return project_root() / ".lab"
