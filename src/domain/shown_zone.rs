//! The calendar a time is shown on: the clinician's own, so that a dose given at 22:30 on the
//! evening of 1 March reads as 1 March, though refract keeps it as its instant in UTC (03:30 on
//! 2 March), the one axis the criteria count days on.
//!
//! What is shown changes, never what is counted: criteria, line derivation and day counts read
//! the stored instants. The zone is a value passed to what shows a time, so that a test pins it
//! and the machine's own zone is asked only by [`ShownZone::Local`].

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};

/// The zone whose wall-clock a screen shows stored (UTC) times in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShownZone {
    /// The machine's zone (`TZ`, else the system's), with its daylight-saving rules for the day
    /// of each time shown: the zone of the clinic the dashboard runs in.
    #[default]
    Local,
    /// A fixed offset from UTC (tests; UTC itself where a time must read as stored).
    Fixed(FixedOffset),
}

impl ShownZone {
    /// UTC: times shown as they are stored.
    pub fn utc() -> Self {
        ShownZone::Fixed(Utc.fix())
    }

    /// `at` (a stored time, in UTC) on this zone's wall-clock.
    ///
    /// A stored time at exactly midnight is left as it is: the store keeps a date given alone
    /// (`2026-03-02`, a day of the source's own calendar, with no zone) as that day's midnight;
    /// moving a date to the evening before would show every date-only record a day early west
    /// of Greenwich. Where the record's offset was kept, [`Self::wall_clock_of`] tells the two
    /// apart; with none kept (`Z`, rows stored before offsets were kept) a time at exactly
    /// 00:00:00 UTC is shown on its UTC day, the rarer error.
    pub fn wall_clock(self, at: NaiveDateTime) -> NaiveDateTime {
        if at.time() == NaiveTime::MIN {
            return at;
        }
        match self {
            ShownZone::Local => chrono::Local.from_utc_datetime(&at).naive_local(),
            ShownZone::Fixed(offset) => offset.from_utc_datetime(&at).naive_local(),
        }
    }

    /// The calendar day `at` (a stored time, in UTC) falls on in this zone.
    pub fn day_of(self, at: NaiveDateTime) -> NaiveDate {
        self.wall_clock(at).date()
    }

    /// `at` on this zone's wall-clock, knowing the offset its record wrote it in
    /// (`utc_offset_minutes`, kept beside the instant): a value written with an offset is a
    /// time, even at 00:00:00 UTC (19:00-05:00 is the evening before), never a date alone; with
    /// none kept, as [`Self::wall_clock`].
    pub fn wall_clock_of(
        self,
        at: NaiveDateTime,
        utc_offset_minutes: Option<i32>,
    ) -> NaiveDateTime {
        if utc_offset_minutes.is_none() {
            return self.wall_clock(at);
        }
        match self {
            ShownZone::Local => chrono::Local.from_utc_datetime(&at).naive_local(),
            ShownZone::Fixed(offset) => offset.from_utc_datetime(&at).naive_local(),
        }
    }

    /// The day this zone shows `at` on, knowing its record's offset (see [`Self::wall_clock_of`]).
    pub fn day_of_kept(self, at: NaiveDateTime, utc_offset_minutes: Option<i32>) -> NaiveDate {
        self.wall_clock_of(at, utc_offset_minutes).date()
    }

    /// `day`, a day the criteria read off the stored time `at` (its record's own local day, by
    /// the offset kept beside it; its UTC day when none was), as the day this zone shows `at`
    /// on: a line's start moves as the drug that began it is shown, so that the two agree.
    pub fn day_beside_kept(
        self,
        day: NaiveDate,
        at: NaiveDateTime,
        utc_offset_minutes: Option<i32>,
    ) -> NaiveDate {
        let counted = super::clinical::local_day(at, utc_offset_minutes);
        day + (self.day_of_kept(at, utc_offset_minutes) - counted)
    }

    /// `day`, a UTC day read off the stored time `at`, as the day this zone shows `at` on: a
    /// day derived from a time (a line's start, the day after a drug's last) moves with it.
    pub fn day_beside(self, day: NaiveDate, at: NaiveDateTime) -> NaiveDate {
        day + (self.day_of(at) - at.date())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn zone(hours_east: i32) -> ShownZone {
        ShownZone::Fixed(FixedOffset::east_opt(hours_east * 3600).unwrap())
    }

    #[test]
    fn a_late_evening_time_west_of_utc_is_shown_on_its_local_day() {
        let stored = at("2024-03-02 03:30");
        assert_eq!(zone(-5).wall_clock(stored), at("2024-03-01 22:30"));
        assert_eq!(
            zone(-5).day_of(stored),
            NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
        );
        assert_eq!(ShownZone::utc().day_of(stored), stored.date());
        assert_eq!(zone(9).day_of(at("2024-03-01 20:00")), stored.date());
    }

    #[test]
    fn a_date_given_alone_stays_its_day_in_every_zone() {
        let day = at("2024-03-02 00:00");
        assert_eq!(zone(-5).wall_clock(day), day);
        assert_eq!(zone(9).day_of(day), day.date());
    }

    #[test]
    fn a_time_written_with_an_offset_at_utc_midnight_is_a_time_not_a_date() {
        let stored = at("2026-03-02 00:00");
        assert_eq!(
            zone(-5).wall_clock_of(stored, Some(-300)),
            at("2026-03-01 19:00")
        );
        assert_eq!(zone(-5).wall_clock_of(stored, None), stored);
        // Its line, counted on the record's own day (1 March), is shown on that day there, and
        // on the day the drug is shown on in a zone east of it.
        let counted = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(
            zone(-5).day_beside_kept(counted, stored, Some(-300)),
            counted
        );
        assert_eq!(
            zone(9).day_beside_kept(counted, stored, Some(-300)),
            zone(9).day_of_kept(stored, Some(-300))
        );
    }

    #[test]
    fn a_day_derived_from_a_time_moves_with_it() {
        let last_given = at("2024-03-02 03:30");
        let day_after = NaiveDate::from_ymd_opt(2024, 3, 3).unwrap();
        assert_eq!(
            zone(-5).day_beside(day_after, last_given),
            NaiveDate::from_ymd_opt(2024, 3, 2).unwrap()
        );
    }
}
