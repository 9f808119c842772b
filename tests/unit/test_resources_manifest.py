from infucode.pipeline.resources_manifest import iter_resource_files, load_manifest, sha256_of


def test_every_resource_file_is_in_the_manifest_with_its_current_hash():
    manifest = load_manifest()["files"]
    on_disk = dict(iter_resource_files())
    assert on_disk, "no resource files found"
    assert sorted(on_disk) == sorted(manifest), "run: python scripts/build_manifest.py"
    for rel, entry in on_disk.items():
        assert manifest[rel]["sha256"] == sha256_of(entry), f"{rel} changed: rebuild the manifest"
        assert manifest[rel]["source"], f"{rel} has no provenance"
