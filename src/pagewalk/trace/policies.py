"""The replacement policies pagewalk replays, and their exact rules.

=========  ===============================================================
``lru``    least recently used.
``fifo``   first in, first out; hits change nothing.
``clock``  second chance.  A hit sets the page's reference bit, and so does
           the access that faults a page in (the MMU marks the PTE young
           when the access completes): libCacheSim's Clock with
           ``init_freq=1``.  The hand sweeps a ring of frames, clearing set
           bits, and evicts the first page whose bit is clear; the new page
           takes that slot and the hand moves one slot on.
``opt``    Belady's MIN: evict the page whose next use is furthest away.
           Pages never used again come first; among them the one whose
           first access in the trace came latest (this cannot change a
           count).  Same counts as libCacheSim's Belady.
``arc``    ARC, with libCacheSim's conventions (float ``p``; ghost lists are
           trimmed only when an eviction happens); see ``fast/arc.py``.
``lfu``    least frequently used; frequency counts accesses since the page
           last entered memory; ties go to the page that reached its
           frequency first (libCacheSim's LFU order).
``linux``  the kernel's two lists, simplified (mm/swap.c, mm/vmscan.c):

           1. a page that faults in goes to the head of the *inactive* list
              with PG_referenced clear;
           2. a hit on an inactive page whose referenced flag is set moves it
              to the head of the *active* list and clears the flag
              (mark_page_accessed's two-touch rule); any other hit sets the
              flag (no list moves);
           3. when a frame is needed and all are used, first the active list
              is shrunk: while ``len(active) > len(inactive)`` its tail moves
              to the inactive head with the flag cleared (inactive_ratio 1);
              then the inactive tail is scanned: a referenced page has its
              flag cleared and goes back to the inactive head (a second
              chance); the first unreferenced page is the victim.
=========  ===============================================================
"""

from __future__ import annotations

POLICY_NAMES = ("lru", "clock", "fifo", "opt", "arc", "lfu", "linux")
MODES = ("cache", "demand")
ENGINES = ("fast", "reference")
