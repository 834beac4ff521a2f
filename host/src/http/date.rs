//! Dates as HTTP and Traffic Server's logs write them, from the system clock, in UTC.

use std::time::Duration;

/// The date `since_epoch` after 1970-01-01 as an HTTP `Date` field writes it
/// (`Thu, 03 Dec 2026 21:43:04 GMT`).
pub fn http_date(since_epoch: Duration) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (days, (hours, minutes, seconds)) = split(since_epoch);
    let (year, month, day) = civil_date(days);
    format!(
        "{}, {day:02} {} {year} {hours:02}:{minutes:02}:{seconds:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[month as usize - 1]
    )
}

/// The time as Traffic Server stamps a text log's lines (`20261203.21h16m38s`).
pub fn log_timestamp(since_epoch: Duration) -> String {
    let (days, (hours, minutes, seconds)) = split(since_epoch);
    let (year, month, day) = civil_date(days);
    format!("{year:04}{month:02}{day:02}.{hours:02}h{minutes:02}m{seconds:02}s")
}

/// Whole days since the epoch, and the time of that day.
fn split(since_epoch: Duration) -> (i64, (u64, u64, u64)) {
    let secs = since_epoch.as_secs();
    let of_day = secs % 86_400;
    (
        (secs / 86_400) as i64,
        (of_day / 3600, of_day / 60 % 60, of_day % 60),
    )
}

/// The Gregorian (year, month, day) of a count of days since 1970-01-01.
fn civil_date(days: i64) -> (i64, u32, u32) {
    // Counted in 400-year eras from 0000-03-01, so the leap day ends each year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_http_and_traffic_servers_logs_write_them() {
        let at = |secs| Duration::from_secs(secs);
        assert_eq!(http_date(at(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(log_timestamp(at(0)), "19700101.00h00m00s");
        // 2026-12-03 21:16:38 UTC, and a leap day.
        assert_eq!(
            http_date(at(1_796_332_598)),
            "Thu, 03 Dec 2026 21:16:38 GMT"
        );
        assert_eq!(log_timestamp(at(1_796_332_598)), "20261203.21h16m38s");
        assert_eq!(http_date(at(951_782_400)), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(log_timestamp(at(951_782_400)), "20000229.00h00m00s");
    }
}
