"""image mount / unmount as root, on the store's default driver."""

from __future__ import annotations

import os

from cli_image_helpers import import_image


def test_mount_list_unmount(pypod, tmp_path):
    image_id = import_image(pypod, tmp_path, "mnt:1", content=b"mounted!")
    path = pypod("image", "mount", "mnt:1").stdout.strip()
    assert os.path.isabs(path)
    with open(os.path.join(path, "data", "file"), "rb") as f:
        assert f.read() == b"mounted!"
    listing = pypod("image", "mount").stdout
    assert listing == f"localhost/mnt:1  {path}\n"
    assert pypod("image", "unmount", "mnt:1").stdout == image_id + "\n"
    assert pypod("image", "mount").stdout == ""
    r = pypod("image", "mount", "nope", check=False)
    assert (r.rc, r.stderr) == (125, "Error: nope: image not known\n")
    assert pypod("image", "unmount", check=False).rc == 125
    assert pypod("image", "umount", "--all").rc == 0
