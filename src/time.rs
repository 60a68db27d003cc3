//! Timestamps: nanoseconds since the Unix epoch in UTC, as stored in the catalog. RFC 3339 in
//! JSON, local time for people.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Datelike, Local, SecondsFormat, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        Self::from_system(SystemTime::now())
    }

    pub fn from_system(time: SystemTime) -> Self {
        let nanos = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_nanos()).unwrap_or(i64::MAX),
        };
        Timestamp(nanos)
    }

    pub fn to_system(self) -> SystemTime {
        let magnitude = Duration::from_nanos(self.0.unsigned_abs());
        if self.0 >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }

    fn utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp_nanos(self.0)
    }

    /// `2026-11-26T20:44:05.123456789Z`
    pub fn rfc3339(self) -> String {
        self.utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    /// `2026-11-26 21:44:05` in the local time zone.
    pub fn human(self) -> String {
        let utc = self.utc();
        let local = utc.naive_utc() + local_offset(utc);
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            local.year(),
            local.month(),
            local.day(),
            local.hour(),
            local.minute(),
            local.second()
        )
    }
}

/// The local zone's offset at `utc`. Looking it up is slow and listings print many times, so
/// offsets are cached per quarter hour of UTC: every zone changes its offset on a quarter hour.
fn local_offset(utc: DateTime<Utc>) -> chrono::TimeDelta {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: Mutex<Option<HashMap<i64, i32>>> = Mutex::new(None);
    let quarter = utc.timestamp().div_euclid(900);
    let seconds = |utc: DateTime<Utc>| utc.with_timezone(&Local).offset().local_minus_utc();
    let offset = match CACHE.lock() {
        Ok(mut cache) => *cache
            .get_or_insert_with(HashMap::new)
            .entry(quarter)
            .or_insert_with(|| seconds(utc)),
        Err(_) => seconds(utc),
    };
    chrono::TimeDelta::seconds(i64::from(offset))
}

impl Timestamp {
    /// Reads what [`Timestamp::rfc3339`] writes (any offset; kept to the nanosecond).
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let time = DateTime::parse_from_rfc3339(text).ok()?;
        time.timestamp_nanos_opt().map(Timestamp)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {text:?}")))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_reads_back_to_the_nanosecond() {
        for ns in [0, 1, 1_764_000_000_123_456_789, -5_000_000_001] {
            let t = Timestamp(ns);
            assert_eq!(Timestamp::parse_rfc3339(&t.rfc3339()), Some(t));
        }
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn round_trips_and_formats() {
        let t = Timestamp(1_700_000_000_123_456_789);
        assert_eq!(Timestamp::from_system(t.to_system()), t);
        assert_eq!(t.rfc3339(), "2023-11-14T22:13:20.123456789Z");
        assert_eq!(
            Timestamp(1_700_000_000_000_000_000).rfc3339(),
            "2023-11-14T22:13:20Z"
        );
        let before_epoch = Timestamp(-1_500_000_000);
        assert_eq!(
            Timestamp::from_system(before_epoch.to_system()),
            before_epoch
        );
    }
}
