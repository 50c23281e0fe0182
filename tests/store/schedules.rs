use super::fixtures::*;
use chrono::Duration;
use dailyq::domain::question::{Category, Difficulty};
use dailyq::domain::rotation::QuestionFilter;
use dailyq::domain::round::ChannelSchedule;
use dailyq::domain::schedule::{AnswerWindow, LocalTime, PostTime, Timezone, Weekdays};
use dailyq::domain::{ChannelId, RoleId, UserId};
use dailyq::store::Store;

pub fn schedule(channel: ChannelId, minutes_from_t0: i64) -> ChannelSchedule {
    ChannelSchedule {
        channel_id: channel,
        guild_id: GUILD,
        post_time: PostTime {
            time: LocalTime::parse("09:30").unwrap(),
            timezone: Timezone::parse("Europe/Berlin").unwrap(),
            weekdays: Weekdays::parse("mon,wed,fri").unwrap(),
        },
        filter: QuestionFilter {
            category: Some(Category::parse("databases").unwrap()),
            difficulty: Some(Difficulty::Medium),
        },
        answer_window: AnswerWindow::parse("2h").unwrap(),
        ping_role: Some(RoleId(u64::MAX)),
        remind_before: None,
        blind: None,
        source: dailyq::domain::rotation::QuestionSource::Both,
        paused: false,
        next_post_at: t0() + Duration::minutes(minutes_from_t0),
        created_by: UserId(7),
    }
}

async fn a_schedule_round_trips_every_field(store: &Store) {
    store.ensure_guild(GUILD, t0()).await.unwrap();
    let s = schedule(CHANNEL, 30);
    store.upsert_schedule(&s, t0()).await.unwrap();
    assert_eq!(store.schedule(CHANNEL).await.unwrap(), Some(s.clone()));
    let mut changed = s.clone();
    changed.filter = QuestionFilter::default();
    changed.ping_role = None;
    store.upsert_schedule(&changed, t0()).await.unwrap();
    assert_eq!(store.schedule(CHANNEL).await.unwrap(), Some(changed));
    assert_eq!(store.guild_schedules(GUILD).await.unwrap().len(), 1);
}

async fn due_schedules_are_the_unpaused_ones_whose_time_has_come(store: &Store) {
    store.ensure_guild(GUILD, t0()).await.unwrap();
    store
        .upsert_schedule(&schedule(ChannelId(1), -5), t0())
        .await
        .unwrap();
    store
        .upsert_schedule(&schedule(ChannelId(2), 5), t0())
        .await
        .unwrap();
    store
        .upsert_schedule(&schedule(ChannelId(3), -1), t0())
        .await
        .unwrap();
    store.set_paused(ChannelId(3), true, t0(), t0()).await.unwrap();
    let due: Vec<ChannelId> = store
        .due_schedules(t0())
        .await
        .unwrap()
        .iter()
        .map(|s| s.channel_id)
        .collect();
    assert_eq!(due, vec![ChannelId(1)]);
    assert_eq!(
        store
            .earliest_next_post_after(t0() - Duration::hours(1))
            .await
            .unwrap(),
        Some(t0() - Duration::minutes(5))
    );

    // Advancing is conditional, so two processes cannot both move it.
    let expected = t0() - Duration::minutes(5);
    assert!(
        store
            .advance_schedule(ChannelId(1), expected, t0() + Duration::days(1))
            .await
            .unwrap()
    );
    assert!(
        !store
            .advance_schedule(ChannelId(1), expected, t0() + Duration::days(2))
            .await
            .unwrap()
    );
    assert!(store.due_schedules(t0()).await.unwrap().is_empty());

    assert!(store.remove_schedule(ChannelId(2)).await.unwrap());
    assert!(!store.remove_schedule(ChannelId(2)).await.unwrap());
}

crate::on_both_backends!(
    a_schedule_round_trips_every_field,
    due_schedules_are_the_unpaused_ones_whose_time_has_come,
);
