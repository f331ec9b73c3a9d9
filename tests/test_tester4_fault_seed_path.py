"""Tester: `--fault KIND@p=P --fault-seed N` draws a different set of faulted requests for the
same cassette, seed and requests depending on the folder the checkout sits in: the per-cassette
generator is seeded with the cassette's absolute path (faults._SessionFaults:
`random.Random(f"{seed}:{path}")`). A CI failure under `--fault-seed 7` (checkout in
/home/runner/work/...) cannot be reproduced on a developer's machine (~/src/...) with the same
seed, and pytest's tmp folders reshuffle it every run.

README: "`p=0.2` (seeded by `--fault-seed`, per cassette)"; `vcr_fault_seed`: "Seed of the p=P
fault draws (per cassette)". A seed exists to reproduce a run.

Expected: the same cassette, seed and requests give the same faulted requests wherever the
checkout is (e.g. seeded by the cassette's name under its root, or its content)."""

from __future__ import annotations

import shutil

from conftest import proxied_client, record_through


def _faulted(run_proxy, cassette, ca_cert, url) -> list[int]:
    proxy = run_proxy(cassette, "replay", fault=["status:500@p=0.5"], fault_seed=7,
                      allow_repeats=True)
    with proxied_client(proxy, ca_cert) as client:
        codes = [client.get(url).status_code for _ in range(24)]
    proxy.stop()
    return [n for n, code in enumerate(codes) if code == 500]


def test_the_same_seed_draws_the_same_faults_in_another_checkout(run_proxy, gateway, ca_cert,
                                                                  tmp_path):
    url = gateway.url + "/json?size=30"
    here = tmp_path / "checkout-a" / "cassettes" / "chat.yaml"
    here.parent.mkdir(parents=True)
    record_through(run_proxy, here, ca_cert, {"method": "GET", "url": url})
    there = tmp_path / "checkout-b" / "cassettes" / "chat.yaml"
    there.parent.mkdir(parents=True)
    shutil.copyfile(here, there)

    first = _faulted(run_proxy, here, ca_cert, url)
    again = _faulted(run_proxy, here, ca_cert, url)
    elsewhere = _faulted(run_proxy, there, ca_cert, url)
    assert first == again and 0 < len(first) < 24  # (seeded: the same run twice)
    assert elsewhere == first, f"faulted requests {first} in one checkout, {elsewhere} in another"
