//! The catalog query behind swath mosaics and availability calendars, "granules in a time
//! window whose footprint touches a box", over a collection of 10,000 swath granules in a SQLite
//! file: a 24-hour window (the default swath window) and a one-day availability box, against the
//! same answer computed by reading every granule's coverage and filtering in Rust (no index).
//! Run: `cargo bench -p iroise-benches --bench catalog`.

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use iroise_archive::{
    catalog::{Catalog, GranuleQuery, SqliteCatalog},
    model::{BBox, CollectionKind, NewGranule, Provenance, TimeRange},
};

const GRANULES: i64 = 10_000;

/// 10,000 half-orbit passes, 50 minutes apart (about 7 months), each a strip of longitudes
/// from pole to pole that moves west by 12.5 degrees per pass, some across the antimeridian.
async fn catalog(dir: &std::path::Path) -> SqliteCatalog {
    let cat = SqliteCatalog::open(&dir.join("catalog.db")).await.expect("catalog");
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("t0");
    for i in 0..GRANULES {
        let start = t0 + Duration::minutes(50 * i);
        let west = -180.0 + (i as f64 * -12.5).rem_euclid(360.0);
        let east = ((west + 20.0 + 180.0).rem_euclid(360.0)) - 180.0;
        let name = format!("pass_{i:05}.nc");
        cat.publish(&NewGranule {
            collection: "scat".into(),
            key: format!("scat/{name}"),
            name: name.clone(),
            kind: CollectionKind::Swath,
            time: TimeRange { start, end: start + Duration::minutes(50) },
            time_steps: vec![start],
            bbox: BBox { west, south: -90.0, east, north: 90.0 },
            footprint: None,
            variables: vec![],
            size: 1,
            sha256: format!("{i:064}"),
            provenance: Provenance { source_name: name, source_sha256: format!("{i:064}"), original_key: None },
        })
        .await
        .expect("publish");
    }
    cat
}

fn queries(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let cat = rt.block_on(catalog(dir.path()));
    let t = Utc.with_ymd_and_hms(2026, 5, 15, 0, 0, 0).single().expect("t");
    let window = TimeRange { start: t, end: t + Duration::hours(24) };
    let biscay = BBox { west: -10.0, south: 43.0, east: -1.0, north: 48.0 };
    let q =
        GranuleQuery { collection: Some("scat".into()), time: Some(window), bbox: Some(biscay), ..Default::default() };
    let all = GranuleQuery { collection: Some("scat".into()), ..Default::default() };
    let expected = rt.block_on(cat.coverage(&q)).expect("coverage");
    assert!(!expected.is_empty(), "the window holds passes over the box");

    c.bench_function("coverage: 24 h window and a box, 10,000 granules (index)", |b| {
        b.iter(|| rt.block_on(cat.coverage(black_box(&q))).expect("coverage"))
    });
    c.bench_function("granules: 24 h window and a box, 10,000 granules (index, full rows)", |b| {
        b.iter(|| rt.block_on(cat.granules(black_box(&q))).expect("granules"))
    });
    c.bench_function("baseline: every granule's coverage, filtered in Rust (no index)", |b| {
        b.iter(|| {
            let every = rt.block_on(cat.coverage(black_box(&all))).expect("coverage");
            let hits: Vec<_> = every
                .into_iter()
                .filter(|g| g.time.start <= window.end && g.time.end >= window.start && g.bbox.intersects(&biscay))
                .collect();
            assert_eq!(hits.len(), expected.len());
            hits
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = queries
}
criterion_main!(benches);
