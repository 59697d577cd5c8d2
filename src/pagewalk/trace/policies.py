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
``mru``    most recently used: the page of the last access the policy saw
           is the victim (OSTEP's MRU; libCacheSim's Python bindings have
           no MRU class).
``random`` OSTEP's RAND: pages in a list in arrival order, the victim is
           ``memory.pop(int(random.random() * count))`` with Python's
           generator seeded by ``replay(..., seed=S)`` (OSTEP's ``-s S``,
           default 0).  Hits change nothing.
``sieve``  SIEVE (NSDI '24): one queue, a visited bit set by hits and clear
           on entry, a hand moving from the oldest page toward the newest
           that clears set bits and evicts the first clear page, then rests
           on the next newer one.  Same counts as libCacheSim's ``Sieve(k)``.
``2q``     2Q with libCacheSim's ``TwoQ(k)`` defaults: A1in (FIFO) of
           ``int(k * 0.25)`` pages, A1out (ghost ids, FIFO) of ``int(k *
           0.5)``, Am (LRU) for the rest; a miss on an A1out id goes to Am,
           other misses to A1in; eviction takes A1in's oldest (into A1out)
           while A1in holds more than its share, else Am's least recent.
           Needs ``frames >= 4``; rules in ``fast/twoq.py``.
``s3fifo`` S3-FIFO with libCacheSim's ``S3FIFO(k)`` defaults: small FIFO of
           ``int(k * 0.1)`` pages, main FIFO with reinsertion for the rest,
           ghost FIFO of ``int(k * 0.9)`` ids, move to main at 2 hits
           (``small_size_ratio=0.1, ghost_size_ratio=0.9,
           move_to_main_threshold=2``).  Needs ``frames >= 20``; rules in
           ``fast/s3fifo.py``.
``lirs``   LIRS with libCacheSim's ``LIRS(k)`` (its only parameter,
           ``hirs_ratio``, is fixed at 0.01): a recency stack S of LIR pages,
           resident and non-resident HIR pages, an LRU stack Q of
           ``max(1, int(0.01 * k))`` resident HIR pages, non-resident pages
           kept while S holds at most ``2k``.  Like libCacheSim's it can hold
           a few pages more than ``k`` (see ``fast/lirs.py``).  Needs
           ``frames >= 2``.
=========  ===============================================================

``clockpro``: CLOCK-Pro (USENIX ATC '05) with pyclockpro's rules (the CLOCK-Pro
of pyclockpro and go-clockpro; libCacheSim's ``ClockPro(k)`` never
evicts, so it is no peer): one ring of hot, cold and test pages,
``HAND_cold``, ``HAND_hot``, ``HAND_test``; the cold target ``m_c``
starts at ``max(1, int(k * 0.5))`` (libCacheSim's
``init_ratio_cold``), grows by one on a test-page miss (at most
``k``), shrinks by one when a test period ends (at least 1); at most
``k`` test pages.  Rules and differences from the paper in
``fast/clockpro.py``.  Needs ``frames >= 2``.
"""

from __future__ import annotations

POLICY_NAMES = ("lru", "clock", "fifo", "opt", "arc", "lfu", "linux", "mru", "random",
                "sieve", "2q", "s3fifo", "lirs", "clockpro")
# Policies whose libCacheSim definition admits no page below some size.
MIN_FRAMES = {"2q": 4, "s3fifo": 20, "lirs": 2, "clockpro": 2}
MIN_FRAMES_WHY = {"2q": "its A1in queue holds int(frames * 0.25) pages (libCacheSim's "
                        "TwoQ), which must be at least one",
                  "s3fifo": "its small queue holds int(frames * 0.1) pages and libCacheSim's "
                            "S3FIFO admits a page to it only when that is at least two",
                  "lirs": "its LIR set holds frames - max(1, int(frames * 0.01)) pages "
                          "(libCacheSim's LIRS), which must be at least one",
                  "clockpro": "with one frame its hands run each other for ever (as "
                              "pyclockpro's do)"}
# Policies asked for that pagewalk does not offer, and why (one line each).
UNAVAILABLE: dict[str, str] = {}
MODES = ("cache", "demand")
ENGINES = ("fast", "reference")
