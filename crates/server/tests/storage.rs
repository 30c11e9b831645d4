//! The one migration set works forwards and backwards on the backend under test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_db::migration::Migrator;
use emss_testkit::TestApp;
use sea_orm_migration::MigratorTrait;

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let t = TestApp::spawn_empty().await.unwrap();
    let db = t.app.db();
    assert_eq!(db.pending_migrations().await.unwrap(), 0);
    Migrator::down(&db.conn, None).await.unwrap();
    assert_eq!(
        db.pending_migrations().await.unwrap(),
        Migrator::migrations().len()
    );
    assert!(
        t.app.ready().await.is_err(),
        "not ready with migrations pending"
    );
    db.migrate().await.unwrap();
    assert_eq!(db.pending_migrations().await.unwrap(), 0);
    t.app.ready().await.unwrap();
}

#[tokio::test]
async fn the_blob_store_lives_in_the_data_folder() {
    let t = TestApp::spawn_empty().await.unwrap();
    let key = t.app.blobs().put(b"work photo".to_vec()).await.unwrap();
    let on_disk = t
        .data_dir
        .path()
        .join("blobs")
        .join(&key.as_str()[0..2])
        .join(&key.as_str()[2..4])
        .join(key.as_str());
    assert_eq!(std::fs::read(on_disk).unwrap(), b"work photo");
}
