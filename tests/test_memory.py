"""The shared least-recently-used memory, against functools.lru_cache as the reference."""

import functools
import random
import threading

from crystal.memory import Recent


def test_it_keeps_and_drops_the_same_keys_as_lru_cache():
    recent = Recent(size=5)

    @functools.lru_cache(maxsize=5)
    def reference(key: int) -> int:
        return key * 10

    for key in random.Random(0).choices(range(12), k=400):
        if recent.get(key) is None:
            recent.put(key, key * 10)
        assert recent.get(key) == reference(key)
    info, expected = recent.info(), reference.cache_info()
    assert (info.misses, info.currsize, info.maxsize) == (expected.misses, expected.currsize, expected.maxsize)
    assert info.hits == expected.hits + 400  # each loop also read its key back: a hit every time


def test_looking_does_not_count_and_clear_forgets():
    recent = Recent(size=2)
    recent.put("a", 1)
    assert "a" in recent and "b" not in recent
    assert recent.info()[:2] == (0, 0)
    recent.clear()
    assert "a" not in recent and recent.info().currsize == 0


def test_many_threads_at_once_stay_within_its_size():
    recent, failures = Recent(size=8), []

    def visitor(seed: int) -> None:
        try:
            for key in random.Random(seed).choices(range(40), k=2000):
                if recent.get(key) is None:
                    recent.put(key, key)
                value = recent.get(key)
                assert value in (None, key)  # another thread may have pushed it out meanwhile
        except AssertionError as err:
            failures.append(err)

    threads = [threading.Thread(target=visitor, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and recent.info().currsize == 8
