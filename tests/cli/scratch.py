"""A test class's scratch folder: made before its first test, removed after its last.

The report tests write the files they scan (generated documents, mail, pages) into it; names are
chosen by the tests, never taken from a report.
"""
import os
import shutil
import tempfile
import unittest


class ScratchTestCase(unittest.TestCase):
    """unittest.TestCase with `dir`, a temporary folder for the class's files, and `write`."""
    scratch_prefix = "assay-test-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix=cls.scratch_prefix)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)
        super().tearDownClass()

    def write(self, name, data):
        """Writes `data` (bytes, or text as UTF-8) to `name` in the scratch folder; returns its path."""
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return path
