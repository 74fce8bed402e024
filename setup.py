"""Packages of the distribution: the folders ``benchmark/`` and ``tasks/`` install and import as
``ganbench`` and ``ganbench.tasks``. Two generic top-level names would be shadowed by any
``benchmark/`` folder or ``tasks.py`` in a user's working directory, and both are taken on the
package index. pyproject.toml's ``packages.find`` cannot rename, so the list is computed here: a new
sub-package (a domain) is picked up without an edit. All other metadata lives in pyproject.toml.
"""

from setuptools import find_packages, setup

PACKAGE_DIR = {"ganbench": "benchmark", "ganbench.tasks": "tasks"}
packages = [name for top, folder in PACKAGE_DIR.items()
            for name in [top] + [f"{top}.{sub}" for sub in find_packages(folder)]]

setup(package_dir=PACKAGE_DIR, packages=packages)
