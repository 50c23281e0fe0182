use super::fixtures::*;
use dailyq::domain::question::{Difficulty, QuestionSlug};
use dailyq::store::{GuildArrival, Store, SyncReport};

async fn syncing_the_bank_inserts_updates_and_retires_by_id(store: &Store) {
    let v1 = vec![
        question("q-keep", "databases", Difficulty::Easy, "same"),
        question("q-change", "databases", Difficulty::Easy, "old answer"),
        question("q-drop", "caching", Difficulty::Hard, "bye"),
    ];
    let first = store.sync_bank(&v1, t0()).await.unwrap();
    assert_eq!(
        first,
        SyncReport {
            inserted: 3,
            updated: 0,
            retired: 0,
            unchanged: 0
        }
    );

    let (drop_key, _) = store
        .shipped_question_key(&QuestionSlug::parse("q-drop").unwrap())
        .await
        .unwrap()
        .unwrap();
    let v2 = vec![
        question("q-keep", "databases", Difficulty::Easy, "same"),
        question("q-change", "databases", Difficulty::Easy, "new answer"),
        question("q-new", "caching", Difficulty::Medium, "hello"),
    ];
    let second = store.sync_bank(&v2, t0()).await.unwrap();
    assert_eq!(
        second,
        SyncReport {
            inserted: 1,
            updated: 1,
            retired: 1,
            unchanged: 1
        }
    );

    let changed = store
        .shipped_question_key(&QuestionSlug::parse("q-change").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.question(changed.0).await.unwrap().answer, "new answer");
    // Retired, never deleted: past rounds keep their question.
    let dropped = store.question(drop_key).await.unwrap();
    assert_eq!(dropped.answer, "bye");
    assert_eq!(
        store.shipped_question_key(&dropped.slug).await.unwrap(),
        Some((drop_key, true))
    );

    // A third identical sync changes nothing; bringing the dropped one back un-retires it.
    assert_eq!(store.sync_bank(&v2, t0()).await.unwrap().unchanged, 3);
    let mut v3 = v2.clone();
    v3.push(question("q-drop", "caching", Difficulty::Hard, "bye"));
    assert_eq!(store.sync_bank(&v3, t0()).await.unwrap().updated, 1);
    assert_eq!(
        store.shipped_question_key(&dropped.slug).await.unwrap(),
        Some((drop_key, false))
    );
}

async fn rotation_candidates_are_live_questions_with_how_often_the_guild_was_asked(store: &Store) {
    let keys = seeded(store).await;
    store
        .claim_round(&new_round(keys[0], 1), t0())
        .await
        .unwrap()
        .unwrap();
    let candidates = store
        .rotation_candidates(GUILD, dailyq::domain::rotation::QuestionSource::Both)
        .await
        .unwrap();
    assert_eq!(candidates.len(), 3);
    let asked = |k: i64| candidates.iter().find(|c| c.key == k).unwrap().times_asked;
    assert_eq!((asked(keys[0]), asked(keys[1]), asked(keys[2])), (1, 0, 0));
    // Another guild has asked nothing.
    let other = dailyq::domain::GuildId(5);
    store.ensure_guild(other, t0()).await.unwrap();
    assert!(
        store
            .rotation_candidates(other, dailyq::domain::rotation::QuestionSource::Both)
            .await
            .unwrap()
            .iter()
            .all(|c| c.times_asked == 0)
    );
    let cats: Vec<String> = store
        .categories(GUILD)
        .await
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(cats, vec!["caching", "databases"]);
}

async fn each_source_draws_from_its_own_pool_and_a_guilds_questions_stay_its_own(store: &Store) {
    use dailyq::domain::rotation::QuestionSource;
    let keys = seeded(store).await;
    let own = question("own-0", "onboarding", Difficulty::Easy, "ours").question;
    let (key, slug) = store
        .add_own_question(GUILD, &own, dailyq::domain::UserId(7), None, t0())
        .await
        .unwrap();
    assert_eq!(slug.as_str(), "own-1");
    let pool = |source| async move {
        let mut k: Vec<i64> = store
            .rotation_candidates(GUILD, source)
            .await
            .unwrap()
            .iter()
            .map(|c| c.key)
            .collect();
        k.sort();
        k
    };
    assert_eq!(pool(QuestionSource::Server).await, vec![key]);
    let mut shipped = keys.clone();
    shipped.sort();
    assert_eq!(pool(QuestionSource::Shipped).await, shipped);
    assert_eq!(pool(QuestionSource::Both).await.len(), 4);
    // Another guild sees none of it, not even by id.
    let other = dailyq::domain::GuildId(5);
    store.ensure_guild(other, t0()).await.unwrap();
    assert!(
        store
            .rotation_candidates(other, QuestionSource::Server)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.guild_question(other, "own-1").await.unwrap().is_none());
    assert!(store.guild_question(GUILD, "own-1").await.unwrap().unwrap().own);
    assert!(!store.guild_question(other, "q-one").await.unwrap().unwrap().own);
    // A page lists the pool, own questions first.
    let (total, page) = store
        .question_page(GUILD, QuestionSource::Both, None, 0, 2)
        .await
        .unwrap();
    assert_eq!(total, 4);
    assert_eq!(page[0].question.slug.as_str(), "own-1");
    assert_eq!(page.len(), 2);
    // Retired: out of every pool, still readable for past rounds.
    assert!(store.retire_own_question(GUILD, &slug, t0()).await.unwrap());
    assert!(!store.retire_own_question(GUILD, &slug, t0()).await.unwrap());
    assert!(pool(QuestionSource::Server).await.is_empty());
    assert_eq!(store.question(key).await.unwrap().prompt, own.prompt);
}

async fn guild_settings_are_created_once_with_a_secret_seed_and_snowflakes_survive_above_i64_max(
    store: &Store,
) {
    let big = dailyq::domain::GuildId(u64::MAX - 7);
    let first = store.ensure_guild(big, t0()).await.unwrap();
    let again = store.ensure_guild(big, t0()).await.unwrap();
    assert_eq!(first, again, "the seed must not change on a second call");
    assert_eq!(first.guild_id, big);
    assert_eq!(first.weights, Default::default());
    let w = dailyq::domain::scoring::ScoringWeights::new(5, 2, 0).unwrap();
    store.set_weights(big, w, t0()).await.unwrap();
    assert_eq!(store.guild_settings(big).await.unwrap().unwrap().weights, w);
}

async fn a_guild_that_was_left_and_rejoined_keeps_its_settings(store: &Store) {
    let first = store.ensure_guild(GUILD, t0()).await.unwrap();
    store.mark_guild_left(GUILD, t0()).await.unwrap();
    let arrivals = store
        .record_guilds_present(&[(GUILD, "Study")], t0())
        .await
        .unwrap();
    assert_eq!(arrivals, vec![(GUILD, GuildArrival::Back)]);
    let back = store.guild_settings(GUILD).await.unwrap().unwrap();
    assert_eq!(first, back, "settings and the rotation seed survive leaving");
}

async fn migrations_can_run_again_without_changing_anything(store: &Store) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    assert!(store.guild_settings(GUILD).await.unwrap().is_none());
}

crate::on_both_backends!(
    syncing_the_bank_inserts_updates_and_retires_by_id,
    rotation_candidates_are_live_questions_with_how_often_the_guild_was_asked,
    each_source_draws_from_its_own_pool_and_a_guilds_questions_stay_its_own,
    guild_settings_are_created_once_with_a_secret_seed_and_snowflakes_survive_above_i64_max,
    migrations_can_run_again_without_changing_anything,
    a_guild_that_was_left_and_rejoined_keeps_its_settings,
);
