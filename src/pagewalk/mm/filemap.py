"""Files, the page cache and file faults (mm/filemap.c, mm/shmem.c).

(Placeholder until issue 3.)
"""

from __future__ import annotations

from ..errors import InvalidArgument
from .fault import VM_FAULT


class FileMap:
    def __init__(self, machine) -> None:
        self.machine = machine

    def check_mappable(self, file, prot: int, flags: int) -> None:
        raise InvalidArgument("file mappings are not available yet")

    def shmem_file(self, length: int):
        raise InvalidArgument("shared anonymous mappings are not available yet")

    def do_fault(self, vmf) -> int:
        return int(VM_FAULT.SIGBUS)

    def wp_page_shared(self, vmf) -> int:
        return int(VM_FAULT.SIGBUS)

    def cache_refs(self, page) -> int:
        return 0

    def check(self) -> None:
        return None

    def create_file(self, name, size=None, data=None):
        raise InvalidArgument("files are not available yet")

    def drop_caches(self) -> None:
        return None
