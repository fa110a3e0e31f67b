//! A dosage written as words (`Dosage.text`: "500 mg twice daily", "1 tablet bid", "150 mg IM
//! every 4 weeks"), read for what a structured dosage would have said: the amount of one dose
//! and how many doses a day.
//!
//! Only a regular schedule gives a daily dose: "as needed" leaves the part it touches unknown
//! rather than guessed, and a range of amounts ("1-2 tablets") is read at its low, the amount
//! surely given; two different amounts are a day written dose by
//! dose when each names its part of the day ("5 mg mane, 10 mg nocte": 15 mg a day), else
//! the dose is unknown (the lowest of them is often no dose: "150 mg daily using 37.5 mg
//! tablets", "increase by 37.5 mg"). A day is summed only when it is surely one day's schedule:
//! a choice, an extra, a maximum or steps between its amounts leave it unknown, since a wrong
//! dose is worse than an unknown one. A count with no unit ("1 od", "One To Be Taken Each Day")
//! is of the product's own units where nothing else can be meant.

/// What a dosage text says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DosageText {
    /// One dose: an amount and its unit as written ("mg", "tablet").
    pub amount: Option<(f64, String)>,
    /// Doses a day (0.5 every other day, 1/28 every four weeks).
    pub per_day: Option<f64>,
    /// A day's count of the product's units the text writes beside a mass it calls the day's
    /// total ("1 bd (1000mg/day)": 2 a day), which only the product's strength can check:
    /// the total is the dose only where the count agrees with it (see [`read`]).
    pub counted_day: Option<(f64, String)>,
    /// A count of the product's units (tablets, capsules, mL) the text writes as the same one
    /// dose as the mass it reads as `amount` ("1 tablet (100 mg) daily", "100 mg (1 tablet)",
    /// "½ tablet (25 mg)", "5 ml (250 mg)"), which only the product's strength can check: the
    /// mass is the dose only where the count at that strength agrees with it (see `line_dose`
    /// in `parse`); with no strength known, the mass stands.
    pub counted_dose: Option<(f64, String)>,
    /// Whether `amount` is the day's total the text writes ("twice daily (500 mg/day)", "250 mg
    /// in the morning and 250 mg at night": 500 mg a day, `per_day` 1), never the amount of one
    /// dose: beside a structured schedule it is checked as a day, not as one dose.
    pub day_total: bool,
}

/// One step of a titration written as words (see [`steps`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TextStep {
    /// The step read as a dosage text of its own.
    pub dose: DosageText,
    /// How long it lasted ("for 3 weeks"), in whole days; `None` for a last step that says not.
    pub days: Option<i64>,
}

/// Reads `text`; what it does not say clearly is `None`.
pub fn read(text: &str) -> DosageText {
    read_of(text, &[])
}

/// Reads `text`, a dosage of the drug whose name's words (lower case) are `own` (see
/// [`own_name_words`]): the drug's own name in the text names no other drug.
pub fn read_of(text: &str, own: &[String]) -> DosageText {
    // Where the text leaves unsure which of its doses is this drug's, the dose is unknown.
    let Some(words) = without_former_doses(&without_supplies(&tokens(text)), own) else {
        return DosageText::default();
    };
    let labelled = is_labelled(&step_labels(&words));
    let words = without_supply_length(words);
    let mut read = read_words(&words);
    if read.amount.is_none() {
        read = restated(&words).unwrap_or(read);
    }
    // A text labelled by weeks or days that is no readable titration (see
    // [`labelled_steps`]): any one of its amounts read as the dose would be a guess.
    if labelled {
        read.amount = None;
        read.counted_day = None;
        read.counted_dose = None;
        read.day_total = false;
    }
    read
}

/// One instruction written twice, sentence by sentence ("Take 2 tablets at bedtime. Patient
/// instructions: take 2 tablets at night": a sig and its patient-instruction copy, or its
/// translation): where the text read whole gives no dose, every sentence that writes a number
/// read alone gives the same dose at the same parts of the day, and the text names no step,
/// choice or extra, that one dose. Chosen: two sentences saying the same dose at the same part
/// of the day restate it, never add to it (a part of the day takes one dose: see
/// [`split_day`]); any difference between them leaves the dose unknown.
fn restated(words: &MarkedWords) -> Option<DosageText> {
    let text = &words.words;
    if steps_or_choices(text) || says_as_needed(text) {
        return None;
    }
    let starts: Vec<usize> = (0..text.len())
        .filter(|&index| index == 0 || words.break_at(index) == Break::Sentence)
        .collect();
    let mut readings: Vec<(DosageText, Vec<u8>)> = Vec::new();
    for (number, &start) in starts.iter().enumerate() {
        let end = starts.get(number + 1).copied().unwrap_or(text.len());
        if !text[start..end]
            .iter()
            .any(|word| word.parse::<f64>().is_ok())
        {
            continue;
        }
        let sentence = words.without(|index| !(start..end).contains(&index));
        let read = read_words(&sentence);
        if read.amount.is_none() || read.per_day.is_none() {
            return None;
        }
        readings.push((read, parts_named(&sentence.words)));
    }
    let (first, rest) = readings.split_first()?;
    (!rest.is_empty() && rest.iter().all(|reading| reading == first)).then(|| first.0.clone())
}

fn read_words(words: &MarkedWords) -> DosageText {
    // A most, a target, a goal or a usual dose ("25 mg daily (max 200 mg per day)", "target
    // 200 mg/day", "Max 4 tablets in 24 hours", "; max 1500 mg twice daily") is no dose
    // given: the dose is the one the rest of the text reads, if any.
    // Chosen: "increase to 50 mg daily as tolerated" names a goal the patient may well have
    // reached by the record's end: neither the goal nor the start is surely the dose, so it
    // is unknown (given the benefit of the doubt), never the goal read as the dose.
    if conditional_increase(words) {
        return DosageText::default();
    }
    if let Some(limit) = limit_span(words) {
        return read_words(&words.without(|index| limit.contains(&index)));
    }
    let text = &words.words;
    let as_needed = says_as_needed(text);
    let form_counts = counts_of_one_form(text);
    if !as_needed {
        if let Some(total) = written_day(words)
            && let Some(read) = checked_total(&total, words)
        {
            return read;
        }
        let day = split_day(text).or_else(|| {
            let counts = form_counts.as_ref()?;
            let (sum, product_units) = bare_counts_day(&counts.words)?;
            Some((sum, counts.form.clone().unwrap_or(product_units)))
        });
        if let Some(day) = day {
            let counted_day = MASS_UNITS
                .contains(&day.1.as_str())
                .then(|| counts_of_a_split_day(text))
                .flatten();
            return DosageText {
                amount: Some(day),
                per_day: Some(1.0),
                counted_day,
                counted_dose: None,
                day_total: true,
            };
        }
    }
    // Amounts at two or more parts of the day that are no day's sum (a choice, an extra, a
    // step, a part named twice): any one of them read as the dose would be a guess. So are
    // several counts of one form on schedules of their own that make no sure day ("1 tablet
    // bd and 2", "1 tablet od 2 tablets bd"): the first alone is never the day.
    let per_day = if as_needed { None } else { per_day(text) };
    let several_counts = form_counts.as_ref().is_some_and(|counts| {
        count_places(&counts.words)
            .into_iter()
            .filter(|&at| is_small_count(&counts.words, at))
            .count()
            >= 2
    });
    // A count with no unit and no doses a day ("take 1 each time") says no dose at all.
    let amount = (amounts_at_parts_of_the_day(text) < 2 && !several_counts)
        .then(|| {
            amount(text, &words.bracketed, agreed)
                .or_else(|| per_day.and_then(|_| bare_count(text)))
        })
        .flatten();
    let counted_dose = amount
        .as_ref()
        .filter(|(_, unit)| MASS_UNITS.contains(&unit.as_str()))
        .and_then(|_| count_written_beside(text));
    DosageText {
        amount,
        per_day,
        counted_day: None,
        counted_dose,
        day_total: false,
    }
}

/// Whether a unit is a count of the product's units its strength converts: tablets, capsules,
/// millilitres of a liquid (see [`DosageText::counted_dose`]).
fn is_counted_form(unit: &str) -> bool {
    matches!(unit, "tablet" | "capsule" | "ml")
}

/// The one count of the product's units the words write right beside a mass (see
/// [`is_counted_form`]), every such count agreeing ("1 tablet (100 mg) daily", "100 mg (1
/// tablet)", "Take 1 tablet 100 mg daily": 1 tablet), else `None`. A count written elsewhere
/// ("100 mg at night … 28 tablets") is not said to be that dose: no count to check.
fn count_written_beside(words: &[String]) -> Option<(f64, String)> {
    let mass_at = |at: usize| {
        words
            .get(at)
            .is_some_and(|word| word.parse::<f64>().is_ok())
            && words
                .get(at + 1)
                .is_some_and(|unit| MASS_UNITS.contains(&unit.as_str()))
    };
    let mut found: Option<(f64, String)> = None;
    for (index, word) in words.iter().enumerate() {
        let Some(unit) = words.get(index + 1).map(|unit| singular(unit)) else {
            break;
        };
        if !is_counted_form(&unit) {
            continue;
        }
        let beside = mass_at(index + 2)
            || (words.get(index + 2).is_some_and(|word| word == "=") && mass_at(index + 3))
            || index.checked_sub(2).is_some_and(mass_at);
        if !beside {
            continue;
        }
        let Ok(value) = word.parse::<f64>() else {
            continue;
        };
        if !(value.is_finite() && value > 0.0) {
            return None;
        }
        match &found {
            None => found = Some((value, unit)),
            Some((known, known_unit))
                if (known - value).abs() < f64::EPSILON && *known_unit == unit => {}
            Some(_) => return None,
        }
    }
    found
}

/// The day's count of the product's units in a day written dose by dose in masses, each with
/// its count ("1 tablet (50 mg) in the morning and 2 tablets (100 mg) at night": 3 tablets),
/// read as the day of counts the words make without their masses (see [`split_day`]); `None`
/// where they make none.
fn counts_of_a_split_day(words: &[String]) -> Option<(f64, String)> {
    let masses: Vec<usize> = (0..words.len())
        .filter(|&index| {
            words
                .get(index + 1)
                .is_some_and(|unit| MASS_UNITS.contains(&unit.as_str()))
                && words[index].parse::<f64>().is_ok()
        })
        .flat_map(|index| [index, index + 1])
        .collect();
    let counts: Vec<String> = words
        .iter()
        .enumerate()
        .filter(|(index, _)| !masses.contains(index))
        .map(|(_, word)| word.clone())
        .collect();
    split_day(&counts).filter(|(_, unit)| is_counted_form(unit))
}

/// How far apart, as a share of the larger, a day's total the text writes and the day its
/// schedule makes may be and still be one dose: 2 %, as for two masses among a structured
/// dosage's entries (a rounding: 37.5 mg three times a day written "112 mg/day").
pub const WRITTEN_TOTAL_AGREES_WITHIN: f64 = 0.02;

fn agrees(one: f64, other: f64) -> bool {
    (one - other).abs() <= one.max(other) * WRITTEN_TOTAL_AGREES_WITHIN
}

/// A day the text writes beside its schedule (see [`written_day`]).
#[derive(Debug, Clone, PartialEq)]
struct WrittenDay {
    /// A mass, or a count of tablets, capsules or the product's units.
    amount: (f64, String),
    /// Its words, with those that call it a day ("total", "=", "per day").
    span: std::ops::Range<usize>,
    /// Whether the text calls it the day's total ("150 mg total daily dose", "1000 mg/day",
    /// "total 2 tablets daily", "= 2 tablets per day"), which is the dose where the rest of
    /// the text makes no day; a day only restated ("… at night. 3 tablets daily", "1 tablet
    /// daily (100 mg daily)", "1 bd 1000mg daily") is only checked against the rest's day.
    stands_alone: bool,
}

/// A day the text writes beside its schedule, checked against the day the rest of the text
/// makes; `None` when it is no restated day and the text is read as any other. Chosen: the two
/// must agree within [`WRITTEN_TOTAL_AGREES_WITHIN`] for the dose to be known; beyond it the
/// dose is unknown ("75 mg twice daily (300 mg total daily dose)", "75 mg daily (150 mg total
/// daily dose)", "1 tablet bd. 3 tablets daily": one of them is a slip, the record does not
/// say which, and a wrong dose is worse than an unknown one). A restated day is never added to
/// the schedule's ("1 tablet in the morning and 1 tablet at night (total 2 tablets daily)" is
/// 2 tablets, not 4). The rest in mass is checked here; a count of the product's units beside
/// a mass ("1 bd (1000mg/day)", "1 tablet daily (100 mg daily)", "500 mg bd (2 tablets
/// daily)") is checked in `parse` with the product's one strength per unit, carried as
/// [`DosageText::counted_day`]; a rest that makes no day ("150 mg per day in 2 divided
/// doses") leaves a total as written.
fn checked_total(total: &WrittenDay, words: &MarkedWords) -> Option<DosageText> {
    let as_total = |counted_day: Option<(f64, String)>| DosageText {
        amount: Some(total.amount.clone()),
        per_day: Some(1.0),
        counted_day,
        counted_dose: None,
        day_total: true,
    };
    // A total beside one step of a titration ("1 tablet twice daily (400mg daily dose) -
    // increase to 600mg daily after 2 weeks") is that step's: only its step is checked.
    let breaks = step_break_starts(&words.words);
    let step_from = breaks
        .iter()
        .filter(|(at, _)| *at <= total.span.start)
        .map(|(at, length)| at + length)
        .max()
        .unwrap_or(0);
    let step_until = breaks
        .iter()
        .map(|(at, _)| *at)
        .filter(|at| *at >= total.span.end)
        .min()
        .unwrap_or(words.words.len());
    let schedule =
        read_words(&words.without(|index| {
            total.span.contains(&index) || index < step_from || index >= step_until
        }));
    let (Some((amount, unit)), Some(per_day)) = (schedule.amount.clone(), schedule.per_day) else {
        return total.stands_alone.then(|| as_total(None));
    };
    let unknown = DosageText::default();
    let counted = |unit: &str| matches!(unit, "tablet" | "capsule" | PRODUCT_UNITS);
    let (written, written_unit) = (total.amount.0, total.amount.1.as_str());
    Some(
        match (milligrams(amount, &unit), milligrams(written, written_unit)) {
            (Some(scheduled), Some(written)) => {
                if agrees(scheduled * per_day, written) {
                    // The schedule's counts, where it writes them, are still checked at the
                    // product's strength.
                    as_total(schedule.counted_day.clone().or_else(|| {
                        schedule
                            .counted_dose
                            .as_ref()
                            .map(|(count, unit)| (count * per_day, unit.clone()))
                    }))
                } else {
                    unknown
                }
            }
            (None, Some(_)) if counted(&unit) => as_total(Some((amount * per_day, unit))),
            (Some(_), None) if counted(written_unit) => DosageText {
                counted_day: Some(total.amount.clone()),
                ..schedule
            },
            (None, None) if counted(&unit) && counted(written_unit) => {
                let one_form =
                    unit == written_unit || unit == PRODUCT_UNITS || written_unit == PRODUCT_UNITS;
                if one_form && agrees(amount * per_day, written) {
                    schedule
                } else {
                    unknown
                }
            }
            _ => return total.stands_alone.then(|| as_total(None)),
        },
    )
}

/// Milligrams in an amount written in a unit of mass.
fn milligrams(value: f64, unit: &str) -> Option<f64> {
    crate::domain::units::mass_mg(unit).map(|factor| value * factor)
}

/// A day the text writes beside its schedule (see [`WrittenDay`]): a mass it calls the day's
/// total (see [`daily_total`]), a count of tablets or capsules it calls the day's total or
/// restates as a day of its own (see [`counted_total`]), or a mass restated as "N mg daily"
/// (see [`restated_mass`]).
fn written_day(words: &MarkedWords) -> Option<WrittenDay> {
    daily_total(&words.words)
        .or_else(|| counted_total(words))
        .or_else(|| restated_mass(words))
}

/// Whether the word at `at` opens a restatement: it follows a comma, the end of a sentence or
/// "=" ("… at night. 3 tablets daily", "… = 2 tablets per day"), or opens a bracket ("(2
/// tablets a day)"); never the text's first word, which opens its schedule.
fn opens_restatement(words: &MarkedWords, at: usize) -> bool {
    at > 0
        && (words.break_at(at) != Break::None
            || words.words.get(at - 1).is_some_and(|before| before == "=")
            || (words.bracketed.get(at) == Some(&true)
                && words.bracketed.get(at - 1) == Some(&false)))
}

/// Whether the words of a restated day, from `at` to `end`, are a clause of their own: the text,
/// a sentence or a bracket ends right after them ("… at night. 3 tablets daily", "(100 mg
/// daily)"). "1 tablet daily at lunch" after a sentence is a dose at a part of the day, no day
/// restated.
fn ends_a_clause(words: &MarkedWords, at: usize, end: usize) -> bool {
    words.words.get(end).is_none_or(|_| {
        words.break_at(end) != Break::None || words.bracketed.get(end) != words.bracketed.get(at)
    })
}

/// Where words after an amount say it is a day ("daily", "a day", "per day", "each day",
/// "in 24 hours", "in total", "total"): the index after them, and whether they call it a
/// total.
fn day_words_end(words: &[String], from: usize) -> Option<(usize, bool)> {
    let word = |offset: usize| words.get(from + offset).map(String::as_str);
    match (word(0), word(1), word(2)) {
        (Some("in" | "per"), Some("24"), Some("hours" | "hour" | "h" | "hrs")) => {
            Some((from + 3, false))
        }
        (Some("in"), Some("total"), _) => Some((from + 2, true)),
        (Some("total"), _, _) => Some((from + 1, true)),
        (Some("a" | "per" | "each" | "every"), Some("day"), _) => {
            let end = from + 2;
            Some(match words.get(end).map(String::as_str) {
                Some("in") if words.get(end + 1).is_some_and(|w| w == "total") => (end + 2, true),
                Some("total") => (end + 1, true),
                _ => (end, false),
            })
        }
        (Some("daily"), _, _) => Some(match word(1) {
            Some("total" | "dose") => (from + 2, true),
            _ => (from + 1, false),
        }),
        _ => None,
    }
}

/// A count the text gives as the day's ("(total 2 tablets daily)", "= 2 tablets per day", "(2
/// tablets in total)", "… at night. 3 tablets daily", "(2 tablets a day)"): a count, its form
/// (with none written only after "total" or "="), and words saying it is a day, where it is
/// called a total or opens a restatement (see [`opens_restatement`]).
fn counted_total(words: &MarkedWords) -> Option<WrittenDay> {
    let text = &words.words;
    (0..text.len()).find_map(|at| {
        let value = pattern_count(&text[at], PRODUCT_UNITS).filter(|value| *value > 0.0)?;
        let form = text
            .get(at + 1)
            .map(|unit| singular(unit))
            .filter(|unit| matches!(unit.as_str(), "tablet" | "capsule"));
        let after = if form.is_some() { at + 2 } else { at + 1 };
        let (end, called_total) = day_words_end(text, after)?;
        let before = |back: usize| at.checked_sub(back).and_then(|index| text.get(index));
        let lead = if before(1).is_some_and(|word| word == "total" || word == "=") {
            Some(at - 1)
        } else if before(1).is_some_and(|word| word == "of")
            && before(2).is_some_and(|word| word == "total")
        {
            Some(at - 2)
        } else {
            None
        };
        let start = lead.unwrap_or(at);
        let stands_alone = lead.is_some() || called_total;
        if form.is_none() && !stands_alone {
            return None;
        }
        let restated = opens_restatement(words, at) && ends_a_clause(words, at, end);
        if !(stands_alone || restated) {
            return None;
        }
        Some(WrittenDay {
            amount: (value, form.unwrap_or_else(|| PRODUCT_UNITS.to_owned())),
            span: start..end,
            stands_alone,
        })
    })
}

/// A mass restated as a day, "N mg daily", after a schedule of its own: at the text's end ("1
/// bd 1000mg daily", "1 capsule bd 150mg daily") or opening a restatement ("1 tablet daily
/// (100 mg daily)"); only checked against the rest's day (see [`WrittenDay`]), never joined to
/// another amount ("… and 100 mg daily" is no restatement).
fn restated_mass(words: &MarkedWords) -> Option<WrittenDay> {
    let text = &words.words;
    (1..text.len()).find_map(|at| {
        let value = text[at]
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n > 0.0)?;
        let unit = text
            .get(at + 1)
            .filter(|unit| MASS_UNITS.contains(&unit.as_str()))?;
        if text.get(at + 2).map(String::as_str) != Some("daily") {
            return None;
        }
        let joined = matches!(
            text[at - 1].as_str(),
            "and" | "plus" | "+" | "with" | "then" | "to" | "or" | "of" | "by"
        );
        let end = at + 3;
        let placed =
            end == text.len() || (opens_restatement(words, at) && ends_a_clause(words, at, end));
        (!joined && placed).then(|| WrittenDay {
            amount: (value, unit.clone()),
            span: at..end,
            stands_alone: false,
        })
    })
}

/// Words that make the amount after them a limit, a target, a titration goal or a usual dose,
/// no dose given ("max", "up to", "not to exceed", "target", "usual dose", "aim for",
/// "titrate to", "increasing to"); the number of words they take. "increase to" is a step (see
/// [`STEP_BREAKS`]; one with a condition and no date is read by [`conditional_increase`].
fn limit_starts(words: &[String], at: usize) -> Option<usize> {
    let word = |index: usize| words.get(index).map(String::as_str);
    match word(at)? {
        "max" | "maximum" | "maximal" | "target" | "targeting" | "usual" | "typical" | "upto"
        | "exceeding" | "exceed" | "goal" => Some(1),
        "aim" | "aiming" => Some(if word(at + 1) == Some("for") { 2 } else { 1 }),
        "titrate" | "titrating" | "titrated" | "increasing" | "uptitrate" | "uptitrating"
            if word(at + 1) == Some("to") =>
        {
            Some(2)
        }
        "titrate" | "titrating" | "titrated"
            if word(at + 1) == Some("up") && word(at + 2) == Some("to") =>
        {
            Some(3)
        }
        "up" if word(at + 1) == Some("to") => Some(2),
        "not" if word(at + 1) == Some("to") && word(at + 2) == Some("exceed") => Some(3),
        "no" | "not" if word(at + 1) == Some("more") && word(at + 2) == Some("than") => Some(3),
        "more" if word(at + 1) == Some("than") => Some(2),
        _ => None,
    }
}

/// Whether an "increase to" has a condition and no date in its clause ("increase to 1000 mg
/// twice daily if needed / as tolerated").
fn conditional_increase(words: &MarkedWords) -> bool {
    let text = &words.words;
    (0..text.len()).any(|at| {
        matches!(text[at].as_str(), "increase" | "increasing")
            && text.get(at + 1).is_some_and(|word| word == "to")
            && text[at..clause_end(words, at)].windows(2).any(|pair| {
                matches!(pair[0].as_str(), "as" | "if" | "when")
                    && matches!(
                        pair[1].as_str(),
                        "tolerated" | "needed" | "required" | "necessary"
                    )
            })
    })
}

/// Where the clause of the word at `at` ends: at the next comma or sentence break, or where
/// the bracket it is in closes.
fn clause_end(words: &MarkedWords, at: usize) -> usize {
    let in_bracket = words.bracketed.get(at) == Some(&true);
    (at + 1..words.words.len())
        .find(|&index| {
            words.break_at(index) != Break::None
                || (in_bracket && words.bracketed.get(index) != Some(&true))
        })
        .unwrap_or(words.words.len())
}

/// The words of a limit, target, titration goal or usual dose (see [`limit_starts`]) on an
/// amount of a dose unit or a number of doses, per day or per dose ("max 200 mg per day",
/// "max 1500 mg twice daily", "max 2 doses per day", "titrating to 1000mg bd", "Usual dose 1
/// tablet bd"), or `None`. Chosen: the words run from the limit word to the end of its clause
/// (see [`clause_end`]), whatever period the amount has: a goal per dose read as the dose
/// multiplies a low dose two to six times, and a count of doses a day is no amount at all.
/// Only an amount counts: "up to 3 times a day" is a schedule, no limit.
fn limit_span(words: &MarkedWords) -> Option<std::ops::Range<usize>> {
    let text = &words.words;
    let starts_number = |word: &str| word.chars().next().is_some_and(|c| c.is_ascii_digit());
    (0..text.len()).find_map(|at| {
        let end = clause_end(words, at);
        // "increase by 1 tablet every 2 weeks to max 4 tablets": the goal of steps the text
        // does not date, left to make the whole unknown.
        if at > 0 && text[at - 1] == "to" {
            return None;
        }
        let length = limit_starts(text, at)?;
        // "Max dose 3000 mg", "maximum of 200 mg", "usual maintenance dose: 1000 mg",
        // "maximum total daily dose 200 mg", "do not exceed a total daily dose of 400 mg":
        // articles and "of" are not counted in the reach.
        let number_at = (at + length..end)
            .filter(|&index| !matches!(text[index].as_str(), "a" | "an" | "the" | "of"))
            .take(4)
            .find(|&index| starts_number(&text[index]))?;
        let has_unit = (number_at..end).any(|index| {
            starts_number(&text[index])
                && text.get(index + 1).is_some_and(|unit| {
                    DOSE_UNITS.contains(&unit.as_str()) || matches!(unit.as_str(), "dose" | "doses")
                })
        });
        has_unit.then_some(at..end)
    })
}

/// Words that open a former dose, one that the patient took before this order: a
/// medicines-reconciliation or discharge sig restates it beside the dose now prescribed
/// ("Prior to admission 1 tablet bd", "Home dose: 2 tablets twice daily", "PTA: …"). Each opens
/// a former dose only where a number follows within [`FORMER_DOSE_REACH`] words. Chosen: a
/// "discharge dose" is not on the list, since the dose a patient leaves hospital on is the
/// one now taken, and it replaces what the text said before it (see [`from_the_current_dose`]).
/// "Admission" alone ("Admission: 500 mg twice daily") opens the dose taken on admission.
const FORMER_DOSE_PHRASES: [&[&str]; 28] = [
    &["admission"],
    &["prior", "to", "admission"],
    &["before", "admission"],
    &["pre-admission"],
    &["preadmission"],
    &["pre", "admission"],
    &["on", "admission"],
    &["admission", "dose"],
    &["pta"],
    &["home", "dose"],
    &["home", "regimen"],
    &["had", "been", "taking"],
    &["had", "been", "on"],
    &["used", "to", "take"],
    &["used", "to", "be"],
    &["initially"],
    &["originally"],
    &["original", "dose"],
    &["last", "dose"],
    &["prev"],
    &["prev", "dose"],
    &["pre-op", "dose"],
    &["preop", "dose"],
    &["outpatient", "dose"],
    &["gp", "dose"],
    &["old", "dose"],
    &["stopped"],
    &["until"],
];

/// How many words after a phrase of [`FORMER_DOSE_PHRASES`] its amount may begin.
const FORMER_DOSE_REACH: usize = 4;

/// The length of a phrase of [`FORMER_DOSE_PHRASES`] beginning at `at`, the longest.
fn former_dose_phrase(words: &[String], at: usize) -> Option<usize> {
    FORMER_DOSE_PHRASES
        .iter()
        .filter(|phrase| {
            words
                .get(at..at + phrase.len())
                .is_some_and(|slice| slice.iter().zip(phrase.iter()).all(|(a, b)| a == b))
        })
        .map(|phrase| phrase.len())
        .max()
}

/// Words that say the dose after them is the one now taken, whatever the text said before:
/// "discharge dose", "on discharge", "new dose", "current dose", "currently", "now", "changed
/// to", "reduced to", "increased to" (done: "to be increased to" is a step to come).
const CURRENT_DOSE_PHRASES: [&[&str]; 16] = [
    &["discharge"],
    &["new", "dose"],
    &["new", "regimen"],
    &["current", "dose"],
    &["currently"],
    &["now"],
    &["changed", "to"],
    &["reduced", "to"],
    &["increased", "to"],
    &["decreased", "to"],
    &["switched", "to"],
    &["lowered", "to"],
    &["raised", "to"],
    &["adjusted", "to"],
    &["amended", "to"],
    &["titrated", "down", "to"],
];

/// The words from the last current dose the text states (see [`CURRENT_DOSE_PHRASES`]): a dose
/// stated later replaces the one stated before it ("Admission: 500 mg twice daily. Discharge
/// dose 1 tablet twice daily" is 1 tablet twice daily), never adds to it. Chosen: a discharge
/// dose, a new or current dose, a dose "now" or one "changed to" is the dose now taken, and
/// the whole text before it is what it replaced, since a text restates its earlier doses only
/// as history (admission, home, previous doses); summed, the day would count a dose the
/// patient no longer takes. A phrase is a current dose only where an amount follows it within
/// [`FORMER_DOSE_REACH`] words in its clause, joined by no "and" / "or" / "then" ("1 tablet now
/// and 1 in 12 hours" is no dose replaced), where what its sentence says after it names no
/// step, choice or extra ("now 2 tablets bd after 2 weeks" is a step to come; see
/// [`steps_or_choices`]), no word of a change to come precedes it ("to be increased to", "will
/// be reduced to"), and no step of a written titration comes before it (a titration's steps
/// keep their dates).
///
/// Chosen: the words between the phrase and its amount must be ones a dose of this drug is
/// written with ([`is_current_dose_filler`]): any other word ("Changed to sertraline 50 mg",
/// "Discharge medications: sertraline 50 mg daily", "Currently also on sertraline 50 mg")
/// may name another drug, whose amount is no dose of this one, and which of the text's doses is
/// this drug's is then unsure. A word of the drug's own name (`own`: its product's, its
/// ingredients' words, with its strength, form and route as the record writes them: "Now taking
/// trazodone 50 mg", "Current dose: trazodone tablets 150 mg") names no other drug; chosen: a
/// word is the drug's own only where its record's name writes it, so a drug named only by code,
/// or by a brand the record does not write, still leaves the dose unknown: `None`, the dose unknown (never the other drug's amount read,
/// nor this drug's guessed). A dose "also" given ("now also 2 tablets at night", "now in
/// addition …", "currently also …") adds to the earlier one and replaces nothing. A change of
/// how often alone ("1 tablet three times a day, reduced to once daily") keeps the one amount
/// written before it at the new schedule; with no one amount before it, `None`.
fn from_the_current_dose(words: &MarkedWords, own: &[String]) -> Option<MarkedWords> {
    let text = &words.words;
    let phrase_at = |at: usize| {
        CURRENT_DOSE_PHRASES
            .iter()
            .filter(|phrase| {
                text.get(at..at + phrase.len())
                    .is_some_and(|slice| slice.iter().zip(phrase.iter()).all(|(a, b)| a == b))
            })
            .map(|phrase| phrase.len())
            .max()
    };
    // The words of the phrase's clause within reach, up to the first number.
    let amount_at = |from: usize| {
        (from..text.len())
            .take(FORMER_DOSE_REACH)
            .take_while(|&index| index == from || words.break_at(index) == Break::None)
            .take_while(|&index| !matches!(text[index].as_str(), "and" | "or" | "then"))
            .find(|&index| is_amount_number(text, index))
    };
    let sentence_end = |from: usize| {
        (from + 1..text.len())
            .find(|&index| words.break_at(index) == Break::Sentence)
            .unwrap_or(text.len())
    };
    let to_come = |at: usize| {
        at.checked_sub(1)
            .and_then(|before| text.get(before))
            .is_some_and(|before| {
                matches!(
                    before.as_str(),
                    "be" | "being"
                        | "will"
                        | "may"
                        | "can"
                        | "could"
                        | "should"
                        | "would"
                        | "might"
                        | "to"
                        | "if"
                        | "when"
                )
            })
    };
    let first_step = step_break_starts(text)
        .first()
        .map_or(text.len(), |(at, _)| *at);
    for at in (1..first_step.min(text.len())).rev() {
        let Some(length) = phrase_at(at) else {
            continue;
        };
        if to_come(at) {
            continue;
        }
        let after = at + length;
        let Some(number) = amount_at(after) else {
            if let Some(rescheduled) = rescheduled(words, at, after, sentence_end(at)) {
                return rescheduled;
            }
            continue;
        };
        let between = &text[after..number];
        if between.iter().any(|word| {
            !is_current_dose_filler(word) && !own.contains(&singular(word)) && !own.contains(word)
        }) {
            return None;
        }
        let adds = between.iter().any(|word| {
            matches!(
                word.as_str(),
                "also" | "additionally" | "addition" | "add" | "added" | "plus"
            )
        });
        if adds || steps_or_choices(&text[after..sentence_end(at)]) {
            continue;
        }
        let mut kept = words.without(|index| index < at);
        // The current dose now opens the text.
        if let Some(first) = kept.breaks.first_mut() {
            *first = Break::Sentence;
        }
        return Some(kept);
    }
    Some(words.clone())
}

/// The words of a drug's names (its product's text and displays, its ingredients'), lower
/// case as the text reader reads words, for [`read_of`]: numbers and one-letter words left out,
/// since an amount is never a word of the name.
pub fn own_name_words<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut own: Vec<String> = Vec::new();
    for name in names {
        for word in name.split(|c: char| !c.is_alphanumeric()) {
            let word = word.to_lowercase();
            if word.chars().count() > 1
                && word.chars().any(char::is_alphabetic)
                && word.parse::<f64>().is_err()
                && !own.contains(&word)
            {
                own.push(word);
            }
        }
    }
    own
}

/// Whether the word at `index` is a number that may be an amount: no count of doses or of a
/// length of time ("3 times daily", "every 8 hours", "for 7 days").
fn is_amount_number(text: &[String], index: usize) -> bool {
    text[index].parse::<f64>().is_ok()
        && !text.get(index + 1).is_some_and(|next| {
            matches!(
                next.as_str(),
                "times" | "time" | "x" | "hourly" | "minutes" | "minute" | "mins" | "min"
            ) || matches!(
                next.as_str(),
                "h" | "hr"
                    | "hrs"
                    | "hour"
                    | "hours"
                    | "d"
                    | "day"
                    | "days"
                    | "wk"
                    | "wks"
                    | "week"
                    | "weeks"
                    | "mo"
                    | "month"
                    | "months"
            ) || is_clock_time(text, index)
        })
}

/// Whether a word may stand between a phrase of [`CURRENT_DOSE_PHRASES`] and the amount it
/// governs in a dose of this drug ("Discharge dose: 1 tablet", "currently taking 2 tablets",
/// "now also 2 tablets", "new dose is 2 tablets"): anything else may name another drug.
fn is_current_dose_filler(word: &str) -> bool {
    matches!(
        word,
        "dose"
            | "doses"
            | "dosage"
            | "regimen"
            | "instructions"
            | "is"
            | "are"
            | "on"
            | "taking"
            | "take"
            | "takes"
            | "given"
            | "prescribed"
            | "as"
            | "to"
            | "of"
            | "the"
            | "a"
            | "at"
            | "in"
            | "back"
            | "unchanged"
            | "please"
            | "="
            | "-"
            | "also"
            | "additionally"
            | "addition"
            | "add"
            | "added"
            | "plus"
    ) || CURRENT_DOSE_PHRASES
        .iter()
        .any(|phrase| phrase.contains(&word))
}

/// A change of how often alone, from the phrase at `at` (its words ending at `after`) to the
/// sentence's end at `end` ("1 tablet three times a day, reduced to once daily"): the one
/// amount written before the phrase at the schedule after it, as words ("1 tablet once
/// daily"). `None` where no schedule follows the phrase (no change of how often); `Some(None)`
/// where one does but the words before it write no one amount, or a step (the dose is then
/// unsure).
#[allow(clippy::option_option)] // no schedule changed, or changed with the dose unsure
fn rescheduled(
    words: &MarkedWords,
    at: usize,
    after: usize,
    end: usize,
) -> Option<Option<MarkedWords>> {
    let text = &words.words;
    let schedule = &text[after..end];
    let changes_how_often = matches!(
        text[at].as_str(),
        "changed" | "reduced" | "increased" | "decreased" | "lowered" | "raised" | "adjusted"
    );
    if !changes_how_often
        || (after..end).any(|index| is_amount_number(text, index))
        || steps_or_choices(schedule)
    {
        return None;
    }
    per_day(schedule)?;
    let numbers: Vec<usize> = (0..at)
        .filter(|&index| is_amount_number(text, index))
        .collect();
    let [number] = numbers[..] else {
        return Some(None);
    };
    if steps_or_choices(&text[..at]) {
        return Some(None);
    }
    let unit = text
        .get(number + 1)
        .filter(|unit| DOSE_UNITS.contains(&unit.as_str()))
        .map_or(number + 1, |_| number + 2);
    let kept =
        words.without(|index| !((number..unit).contains(&index) || (after..end).contains(&index)));
    Some(Some(kept))
}

/// The words without a former dose ("(was 2 tablets at night)", "; previously 2 tablets
/// twice daily", "reduced from 2 tablets twice daily to …", "instead of 2 tablets"): what the
/// patient no longer takes is no part of the day. Chosen: its words are left out and the rest
/// is read, rather than the whole text left unknown, since the rest is the dose prescribed and
/// an unknown dose is given the benefit of the doubt (a dose read low made unknown can flag a
/// trial that was too low). A former dose runs from its word to the end of its bracket, or
/// else of its sentence, or to "now" / "currently"; after "from" to the "to" that names the
/// new dose.
fn without_former_doses(words: &MarkedWords, own: &[String]) -> Option<MarkedWords> {
    let current = from_the_current_dose(words, own)?;
    let words = &current;
    let text = &words.words;
    let number_within = |from: usize, count: usize| {
        (from..text.len())
            .take(count)
            .take_while(|&index| index == from || words.break_at(index) != Break::Sentence)
            .any(|index| text[index].parse::<f64>().is_ok())
    };
    let mut dropped: Vec<std::ops::Range<usize>> = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let word = |index: usize| text.get(index).map(String::as_str);
        let listed = former_dose_phrase(text, at)
            .filter(|&length| number_within(at + length, FORMER_DOSE_REACH));
        let start = match word(at) {
            _ if listed.is_some() => Some((at, false)),
            Some("was" | "were") => {
                let after = if matches!(word(at + 1), Some("on" | "taking")) {
                    at + 2
                } else {
                    at + 1
                };
                word(after)
                    .is_some_and(|next| next.parse::<f64>().is_ok())
                    .then_some((at, false))
            }
            Some("previously" | "formerly" | "previous" | "former" | "prior")
                if word(at + 1) != Some("to") && number_within(at + 1, 3) =>
            {
                Some((at, false))
            }
            Some("old") if matches!(word(at + 1), Some("dose" | "regimen")) => Some((at, false)),
            Some("instead") if word(at + 1) == Some("of") => Some((at, false)),
            Some(
                "reduced" | "increased" | "decreased" | "changed" | "titrated" | "switched"
                | "lowered" | "raised" | "up" | "down",
            ) if word(at + 1) == Some("from") && number_within(at + 2, 3) => Some((at, true)),
            _ => None,
        };
        let Some((start, until_to)) = start else {
            at += 1;
            continue;
        };
        let in_bracket = words.bracketed.get(start) == Some(&true);
        let mut end = start + 1;
        while end < text.len() {
            let ends = if in_bracket {
                words.bracketed.get(end) != Some(&true) || words.break_at(end) == Break::Sentence
            } else {
                // "until 3/2, then …": only its clause is the former dose.
                let clause_only = text[start] == "until";
                words.break_at(end) == Break::Sentence
                    || (clause_only && words.break_at(end) == Break::Comma)
                    || matches!(text[end].as_str(), "now" | "currently" | "current" | "then")
            };
            if ends {
                break;
            }
            if until_to && text[end] == "to" {
                end += 1;
                break;
            }
            end += 1;
        }
        // "Initially 1 tablet bd for 2 weeks then 2 tablets bd": the first step of a titration.
        let first_step = matches!(text[start].as_str(), "initially" | "originally")
            && text.get(end).is_some_and(|word| word == "then");
        // A phrase that opens the text and names the only dose it gives ("Home dose 1 tablet
        // bd") is the dose the record has: left out only where a later one is stated.
        let only_dose = start == 0
            && listed.is_some()
            && !text[end..].iter().any(|word| word.parse::<f64>().is_ok());
        if !first_step && !only_dose {
            dropped.push(start..end);
        }
        at = end;
    }
    if dropped.is_empty() {
        return Some(words.clone());
    }
    Some(words.without(|index| dropped.iter().any(|range| range.contains(&index))))
}

/// The words with the form written after each count taken off ("1 tablet bd and 2 nocte" →
/// "1 bd and 2 nocte"), and that form, when every unit written after a number is one form
/// (tablets, or capsules) or none is written: a count with no unit beside counts of a form
/// is of that form, as in a day written dose by dose (see [`split_day`]).
struct FormCounts {
    words: Vec<String>,
    /// The form written ("tablet", "capsule"); `None` when no count writes one.
    form: Option<String>,
}

/// See [`FormCounts`]: `None` when a number is followed by a unit of another kind (a mass, a
/// volume, a puff) or by two forms ("1 tablet bd and 2 capsules nocte").
fn counts_of_one_form(words: &[String]) -> Option<FormCounts> {
    let mut form: Option<String> = None;
    let mut kept = Vec::with_capacity(words.len());
    for (index, word) in words.iter().enumerate() {
        let after_number = index
            .checked_sub(1)
            .and_then(|before| words.get(before))
            .is_some_and(|before| before.parse::<f64>().is_ok());
        if after_number && DOSE_UNITS.contains(&word.as_str()) {
            let written = singular(word);
            if !matches!(written.as_str(), "tablet" | "capsule")
                || form.as_ref().is_some_and(|known| *known != written)
            {
                return None;
            }
            form = Some(written);
            continue;
        }
        kept.push(word.clone());
    }
    Some(FormCounts { words: kept, form })
}

/// The unit of a count written with no unit ("1 od", "One To Be Taken Each Day"): so many of
/// the product's own units, which become milligrams only through its one strength per unit
/// (see `DrugName::milligrams` in `parse`).
const PRODUCT_UNITS: &str = "dose";

/// Whether the words name an amount with a dose unit ("50 mg", "2 tablets"): then a bare count
/// beside it is no count of the product's units.
fn names_an_amount_with_a_unit(words: &[String]) -> bool {
    words.iter().enumerate().any(|(index, word)| {
        word.parse::<f64>().is_ok()
            && words
                .get(index + 1)
                .is_some_and(|unit| DOSE_UNITS.contains(&unit.as_str()))
    })
}

/// A count of the product's units written with no unit, as UK dm+d dose wording and
/// prescribers' shorthand do ("1 od", "2 bd", "One To Be Taken Each Day", "TAKE ONE TWICE
/// DAILY", "take 1 in the morning"). A number is such a count only where nothing else can be
/// meant: it opens the text or follows "take" (or "give", "use"…), and a schedule or a route
/// follows it right away (see [`schedule_follows_count`]); it is a small count (as a day
/// pattern's, at most [`MOST_FORMS_AT_A_PART`]); the text names no amount with a unit, no
/// range, step, choice or extra (see [`steps_or_choices`]); and every such count agrees.
/// Else `None`: a number before "times", "hours" or "days" counts doses or days, not units.
fn bare_count(words: &[String]) -> Option<(f64, String)> {
    let written_with_unit = names_an_amount_with_a_unit(words);
    if written_with_unit
        || has_range(words)
        || steps_or_choices(words)
        || not_each_day_as_counted(words)
        || bare_counts(words).is_none_or(|counts| counts.len() != 1)
    {
        return None;
    }
    let mut found: Option<f64> = None;
    for (index, word) in words.iter().enumerate() {
        if word.parse::<f64>().is_err() {
            continue;
        }
        let opens = index
            .checked_sub(1)
            .and_then(|before| words.get(before))
            .is_none_or(|before| {
                matches!(
                    before.as_str(),
                    "take" | "taken" | "give" | "given" | "use" | "swallow" | "administer" | "sig"
                )
            });
        if !opens || is_clock_time(words, index) || !schedule_follows_count(words, index + 1) {
            continue;
        }
        let value = pattern_count(word, "tablet").filter(|value| *value > 0.0)?;
        if found.is_some_and(|known| (known - value).abs() > f64::EPSILON) {
            return None;
        }
        found = Some(value);
    }
    found.map(|value| (value, PRODUCT_UNITS.to_owned()))
}

/// Whether the words say a count with no unit is not so many of the product's units each time
/// on each day: on each side ("1 each nostril bd", "1 bd each side": two a dose), on some days
/// of the week only ("1 od mon-fri", "1 bd on weekdays"), or with directions the text does not
/// give ("1 bd as directed"). Chosen: "as directed" leaves a count with no unit unknown, since
/// the directions may say what it counts or change it; with its unit written ("500 mg bd as
/// directed") the amount is the text's own and is kept.
fn not_each_day_as_counted(words: &[String]) -> bool {
    const WEEK_DAYS: [&str; 16] = [
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "weekdays",
    ];
    words.iter().enumerate().any(|(index, word)| {
        let each_not_a_period =
            matches!(word.as_str(), "each" | "both") && every(words, index + 1).is_none();
        let week_day = word.split(['-', '/', ',']).any(|part| {
            WEEK_DAYS.contains(&part)
                || matches!(
                    part,
                    "saturday" | "sunday" | "weekday" | "weekend" | "weekends"
                )
        });
        let as_directed = word == "directed" || word == "instructed";
        each_not_a_period || week_day || as_directed
    })
}

/// Where the words write a number alone that may count the product's units: no time of the
/// day, no count of doses or days ("3 times a day", "x 2 daily", "5 days"), no interval
/// ("every 12 hours") and no day or week it names ("Review day 14", "week 3 of titration",
/// "Wk 4 review").
fn count_places(words: &[String]) -> Vec<usize> {
    (0..words.len())
        .filter(|&index| {
            words[index].parse::<f64>().is_ok()
                && !is_clock_time(words, index)
                // The low end of a range written apart ("1 to 2 tablets") counts with its high.
                && (words
                    .get(index + 1)
                    .is_none_or(|after| !matches!(after.as_str(), "to" | "or" | "-"))
                    || words
                        .get(index + 2)
                        .is_none_or(|high| high.parse::<f64>().is_err()))
                // "3 times a day", "x 2 daily", "5 days": a count of doses or days, no units.
                && !words.get(index + 1).is_some_and(|after| {
                    matches!(after.as_str(), "times" | "x")
                        || (unit_days(after).is_some()
                            && !matches!(after.as_str(), "daily" | "weekly" | "monthly"))
                })
                && !index
                    .checked_sub(1)
                    .and_then(|before| words.get(before))
                    .is_some_and(|before| {
                        matches!(
                            before.as_str(),
                            "every"
                                | "q"
                                | "x"
                                | "day"
                                | "days"
                                | "week"
                                | "weeks"
                                | "wk"
                                | "wks"
                                | "month"
                                | "months"
                                | "cycle"
                        )
                    })
        })
        .collect()
}

/// Whether the number at `at` may count tablets or capsules: a small count as a day
/// pattern's is (see [`pattern_count`]: "2026" and "01" are a date's), joined to no sign or
/// other number ("2026 - 01 - 01 1 tablet daily" is a date and one tablet).
fn is_small_count(words: &[String], at: usize) -> bool {
    let joined = |index: Option<usize>| {
        index
            .and_then(|index| words.get(index))
            .is_some_and(|word| is_sign(word) || word == "/" || word.parse::<f64>().is_ok())
    };
    words
        .get(at)
        .and_then(|word| pattern_count(word, "tablet"))
        .is_some_and(|count| count > 0.0)
        && !joined(at.checked_sub(1))
        && !joined(at.checked_add(1))
}

/// Each number alone in the words ("1 bd and 2 nocte": 1 and 2), with the doses a day of its
/// own schedule and the parts of the day it names (one, and those joined to it: "1 morning and
/// night"), if any: its schedule is the words up to the
/// next number. `None` when a number alone is no count of the product's units on a schedule
/// (a schedule or a part of the day must follow it within three words) and no time of the day
/// or interval ("every 12 hours").
fn bare_counts(words: &[String]) -> Option<Vec<(f64, f64, Vec<u8>)>> {
    let numbers = count_places(words);
    let mut counts = Vec::with_capacity(numbers.len());
    for (place, &index) in numbers.iter().enumerate() {
        let until = numbers.get(place + 1).copied().unwrap_or(words.len());
        let schedule = &words[index + 1..until];
        // A count at parts joined to its own ("1 morning and night") is given at each.
        let parts: Vec<u8> = part_named_at(words, index + 1, until)
            .map(|(at, part)| {
                std::iter::once(part)
                    .chain(parts_joined_to(words, at))
                    .collect()
            })
            .unwrap_or_default();
        #[allow(clippy::cast_precision_loss)] // at most four parts of the day
        let rate = if parts.is_empty() {
            if schedule_follows_count(words, index + 1) {
                per_day(schedule)
            } else {
                None
            }
        } else {
            Some(parts.len() as f64)
        };
        let value = words[index].parse::<f64>().ok()?;
        counts.push((value, rate?, parts));
    }
    Some(counts)
}

/// A day written as counts with no unit on their own schedules ("1 bd and 2 nocte", "take 1
/// twice daily and 2 at night", "1 daily, 2 at night"): their sum, once a day, in the product's
/// units. As [`split_day`] sums a day's amounts with units, and by the same rules: only when it
/// is surely one day's schedule, so no range, step, choice or extra (see
/// [`steps_or_choices`]), no amount with a unit, each count small and a part of the day named
/// once; and at most one count on a schedule of several doses a day or none ("1 od 2 bd" says
/// no day: the doses may be the same ones written twice), every schedule daily or more often.
/// Else `None`, and [`bare_count`] reads no count alone from words with another count.
fn bare_counts_day(words: &[String]) -> Option<(f64, String)> {
    let written_with_unit = names_an_amount_with_a_unit(words);
    if written_with_unit
        || has_range(words)
        || steps_or_choices(words)
        || not_each_day_as_counted(words)
    {
        return None;
    }
    let counts = bare_counts(words)?;
    if counts.len() < 2 {
        return None;
    }
    let mut parts: Vec<u8> = Vec::new();
    let mut unnamed = 0;
    let mut total = 0.0;
    for (value, rate, named) in &counts {
        let (value, rate) = (*value, *rate);
        if !(value.is_finite() && value > 0.0 && value <= MOST_FORMS_AT_A_PART && rate >= 1.0) {
            return None;
        }
        // Joined parts beside a count of doses ("1 daily morning and night and 1 at lunch")
        // say two things of the day: unknown, as in [`split_day`].
        if named.len() > 1
            && words
                .iter()
                .any(|word| matches!(word.as_str(), "daily" | "once" | "nightly"))
        {
            return None;
        }
        if named.is_empty() {
            unnamed += 1;
        }
        for part in named {
            if parts.contains(part) {
                return None;
            }
            parts.push(*part);
        }
        total += value * rate;
    }
    (unnamed <= 1).then(|| (total, PRODUCT_UNITS.to_owned()))
}

/// Whether the words from `at` begin a schedule or a route, so that a number right before them
/// counts the product's units: an abbreviation ("od", "bd", "nocte", "q12h"), "daily", "once",
/// "twice", "every", "each", "a day", "to be taken", "at night", "in the morning", "po",
/// "orally", "by mouth".
fn schedule_follows_count(words: &[String], at: usize) -> bool {
    let word = |offset: usize| words.get(at + offset).map(String::as_str);
    let Some(first) = word(0) else {
        return false;
    };
    abbreviation(first).is_some()
        || matches!(
            first,
            "daily"
                | "nightly"
                | "weekly"
                | "once"
                | "twice"
                | "thrice"
                | "every"
                | "po"
                | "orally"
                | "oral"
        )
        || (first == "each" && every(words, at + 1).is_some())
        || (first == "to" && word(1) == Some("be"))
        || (first == "by" && word(1) == Some("mouth"))
        || (matches!(first, "a" | "per") && word(1) == Some("day"))
        || (first == "at" && word(1).is_some_and(|part| part_of_day(part).is_some()))
        || (first == "in"
            && word(1) == Some("the")
            && word(2).is_some_and(|part| part_of_day(part).is_some()))
}

/// Words that say the count after them is a quantity supplied, no dose: "Disp: 30 tablets",
/// "Discharge supply: 28 tablets", "TTO 28 tablets", "Qty 56", "supply of 28 tablets".
const SUPPLY_BEFORE: [&str; 14] = [
    "supply",
    "supplied",
    "disp",
    "dispense",
    "dispensed",
    "qty",
    "quantity",
    "tto",
    "tta",
    "pack",
    "packs",
    "issue",
    "issued",
    "#",
];

/// Words that say the count before them is a quantity supplied or left, no dose: "14 tablets
/// remaining", "28 tablets supplied", "30 tablets dispensed".
const SUPPLY_AFTER: [&str; 5] = ["remaining", "left", "supplied", "dispensed", "issued"];

/// The words without a quantity supplied or left ("… for 28 days (28 tablets)", "Disp: 30
/// tablets", "Discharge supply: 28 tablets", "TTO 28 tablets", "Now 14 tablets remaining",
/// "28 tablets supplied"; a `MedicationRequest.dispenseRequest.quantity` often written into
/// the sig): a supply is never a dose, nor a count of one dose to check against its mass.
/// Chosen: a count is a supply only where the text says so, by a supply word before it
/// ([`SUPPLY_BEFORE`]) or after it ([`SUPPLY_AFTER`]), or where it stands right after a supply length in brackets ("for 28 days (28
/// tablets)"); any other count is read as before.
fn without_supplies(read: &MarkedWords) -> MarkedWords {
    let words = &read.words;
    let word = |at: usize| words.get(at).map(String::as_str);
    let mut dropped: Vec<std::ops::Range<usize>> = Vec::new();
    for (at, count) in words.iter().enumerate() {
        if count.parse::<f64>().is_err() {
            continue;
        }
        let end = if word(at + 1).is_some_and(|unit| DOSE_UNITS.contains(&unit)) {
            at + 2
        } else {
            at + 1
        };
        // "Disp: 30 tablets", "supply of 28 tablets", "Qty = 56".
        let mut lead = at;
        while lead > 0 && matches!(words[lead - 1].as_str(), "of" | "=" | "a" | "total") {
            lead -= 1;
        }
        let after_supply_word = lead
            .checked_sub(1)
            .filter(|&before| SUPPLY_BEFORE.contains(&words[before].as_str()));
        if let Some(start) = after_supply_word {
            dropped.push(start..end);
            continue;
        }
        let says_supplied =
            end > at + 1 && word(end).is_some_and(|after| SUPPLY_AFTER.contains(&after));
        if says_supplied {
            dropped.push(at..end + 1);
            continue;
        }
        // "for 28 days (28 tablets)": the count the length takes, in brackets.
        let after_length = at >= 2
            && read.bracketed.get(at) == Some(&true)
            && read.bracketed.get(at - 1) == Some(&false)
            && words[at - 2].parse::<f64>().is_ok()
            && matches!(
                words[at - 1].as_str(),
                "day" | "days" | "week" | "weeks" | "month" | "months"
            )
            && end > at + 1;
        if after_length {
            dropped.push(at..end);
        }
    }
    if dropped.is_empty() {
        return read.clone();
    }
    read.without(|index| dropped.iter().any(|range| range.contains(&index)))
}

/// The words without a supply length that ends them ("… for 28 days", "… for 3 months", "… x
/// 30 days", "… for 4 weeks. Take with food."): how long the prescription lasts, not a step,
/// when no number follows it. A step after it ("… for 7 days, then …", "… for 7 days, 2 at
/// night for 7 days") keeps it, and the words are read as steps or left unknown.
fn without_supply_length(read: MarkedWords) -> MarkedWords {
    let words = &read.words;
    let length_at = (0..words.len()).rev().find(|&at| {
        matches!(words[at].as_str(), "for" | "x" | "×")
            && words
                .get(at + 1)
                .and_then(|count| count.parse::<f64>().ok())
                .is_some_and(|count| count.is_finite() && count > 0.0)
            && words
                .get(at + 2)
                .and_then(|unit| unit_days(unit))
                .is_some_and(|days| days >= 1.0)
            && words.get(at + 3..).is_some_and(|rest| {
                // "for 5 days every month": a course repeated, no supply length.
                rest.iter().all(|word| {
                    word.parse::<f64>().is_err()
                        && unit_days(word).is_none()
                        && !matches!(word.as_str(), "every" | "each" | "per" | "cycle" | "cycles")
                })
            })
    });
    let Some(at) = length_at else {
        return read;
    };
    read.without(|index| (at..at + 3).contains(&index))
}

/// How many amounts the words give each at a part of the day: a number with a dose unit, or a
/// number alone that is no clock time, followed within three words by a part of the day ("1
/// tablet in the morning or 2 at night": two).
fn amounts_at_parts_of_the_day(words: &[String]) -> usize {
    words
        .iter()
        .enumerate()
        .filter(|(index, word)| {
            let with_unit = words
                .get(index + 1)
                .is_some_and(|unit| DOSE_UNITS.contains(&unit.as_str()));
            let skip = if with_unit { 2 } else { 1 };
            word.parse::<f64>().is_ok()
                && (with_unit || !is_clock_time(words, *index))
                && part_named_after(words, index + skip, words.len()).is_some()
        })
        .count()
}

/// A mass the text says is the day's total ("75 mg twice daily (150 mg total daily dose)",
/// "150 mg per day in 2 divided doses", "total 50 mg a day"): the day's dose once a day, never
/// multiplied again by the schedule. The mass must be followed within three words by "total
/// daily", "daily dose", "daily total", "per day" or "a day" with no count of times before
/// them ("twice a day" is a schedule); a "total" right before the next number is that
/// number's ("25 mg daily (total 50 mg a day)": 25 mg is no total). Its span is the mass, the
/// words that call it a total, and a "total" or "=" right before it.
fn daily_total(words: &[String]) -> Option<WrittenDay> {
    let day_window = |from: usize| {
        let mut window: Vec<&str> = words
            .iter()
            .skip(from)
            .take(4)
            .map(String::as_str)
            .take_while(|word| {
                word.parse::<f64>().is_err()
                    && !matches!(*word, "x" | "times" | "once" | "twice" | "thrice")
            })
            .collect();
        if window.last() == Some(&"total")
            && words
                .get(from + window.len())
                .is_some_and(|next| next.parse::<f64>().is_ok())
        {
            window.pop();
        }
        let says_a_day = window.windows(2).any(|pair| {
            matches!(
                pair,
                ["total", "daily"] | ["daily", "dose" | "total"] | ["per", "day"]
            )
        }) || (window.first().is_some_and(|w| *w == "a")
            && window.get(1) == Some(&"day"));
        let marked = window
            .iter()
            .take_while(|word| {
                matches!(
                    **word,
                    "total" | "daily" | "dose" | "per" | "a" | "day" | "/"
                )
            })
            .count();
        says_a_day.then_some(from + marked)
    };
    let mut found: Option<WrittenDay> = None;
    for (index, word) in words.iter().enumerate() {
        let Some(unit) = words.get(index + 1) else {
            break;
        };
        if !MASS_UNITS.contains(&unit.as_str()) {
            continue;
        }
        let lead = total_lead_before(words, index);
        let Some(end) = day_window(index + 2)
            .or_else(|| divided_after(words, index + 2))
            .or_else(|| lead.map(|_| index + 2))
        else {
            continue;
        };
        let value = word
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n > 0.0)?;
        if found
            .as_ref()
            .is_some_and(|known| (known.amount.0 - value).abs() > f64::EPSILON)
        {
            return None;
        }
        let before = |back: usize| index.checked_sub(back).and_then(|at| words.get(at));
        let start = if let Some(lead) = lead {
            lead
        } else if before(1).is_some_and(|word| word == "total" || word == "=") {
            index - 1
        } else if before(1).is_some_and(|word| word == "of")
            && before(2).is_some_and(|word| word == "total")
        {
            index - 2
        } else {
            index
        };
        if found.is_none() {
            found = Some(WrittenDay {
                amount: (value, unit.clone()),
                span: start..end,
                stands_alone: true,
            });
        }
    }
    found
}

/// Words that call the mass after them the day's total ("total daily dose 150 mg given as 75
/// mg bd", "Total daily dose: 150 mg (75 mg twice daily)", "TDD = 150 mg"): where they begin.
/// Chosen: not after a word of a limit, a goal or a former dose ("maximum total daily dose 200
/// mg", "previous daily dose 100 mg"), whose amount is no dose now given (see [`limit_span`],
/// [`without_former_doses`]), so that a limit the limit reader misses is never read as the day.
fn total_lead_before(words: &[String], number_at: usize) -> Option<usize> {
    const LEADS: [&[&str]; 8] = [
        &["total", "daily", "dose"],
        &["total", "dose", "daily"],
        &["total", "dose", "per", "day"],
        &["dose", "per", "day"],
        &["total", "per", "day"],
        &["total", "daily"],
        &["daily", "dose"],
        &["tdd"],
    ];
    let mut end = number_at;
    while end > 0 && matches!(words[end - 1].as_str(), "=" | "of" | "is") {
        end -= 1;
    }
    let start = LEADS.iter().find_map(|lead| {
        let start = end.checked_sub(lead.len())?;
        words[start..end]
            .iter()
            .zip(lead.iter())
            .all(|(word, expected)| word == expected)
            .then_some(start)
    })?;
    // "do not exceed a total daily dose of 400 mg": an article between the limit and the
    // total is no word of its own.
    let mut qualifier_end = start;
    while qualifier_end > 0
        && matches!(words[qualifier_end - 1].as_str(), "a" | "an" | "the" | "of")
    {
        qualifier_end -= 1;
    }
    let qualified = qualifier_end
        .checked_sub(1)
        .and_then(|before| words.get(before))
        .is_some_and(|before| {
            (0..qualifier_end).any(|from| {
                limit_starts(words, from).is_some_and(|length| from + length == qualifier_end)
            }) || matches!(
                before.as_str(),
                "max"
                    | "maximum"
                    | "usual"
                    | "target"
                    | "recommended"
                    | "starting"
                    | "initial"
                    | "previous"
                    | "prior"
                    | "former"
                    | "old"
                    | "home"
                    | "admission"
                    | "minimum"
                    | "min"
            )
        });
    (!qualified).then_some(start)
}

/// A day's mass said to be divided ("150 mg daily divided twice daily", "150 mg daily in 2
/// divided doses", "600 mg divided bd", "150 mg daily split into 2 doses"): where the words
/// that call it a day end (after "daily", "a day" or "per day" where written, else right after
/// the mass), leaving how it is divided to be read as the schedule, which must then agree.
fn divided_after(words: &[String], from: usize) -> Option<usize> {
    let word = |at: usize| words.get(at).map(String::as_str);
    let end = match (word(from), word(from + 1)) {
        (Some("daily"), _) => from + 1,
        (Some("a" | "per" | "each"), Some("day")) => from + 2,
        _ => from,
    };
    let divided = match (word(end), word(end + 1), word(end + 2)) {
        (Some("divided"), _, _)
        | (Some("split"), Some("into" | "in"), _)
        | (Some("in"), Some("divided"), _) => true,
        (Some("in"), Some(count), Some("divided")) => count.parse::<f64>().is_ok(),
        _ => false,
    };
    divided.then_some(end)
}

/// The part of the day an amount is given at: one named within the three words after it
/// (from `from`, before `until`), a time before or after it and "daily" not counted ("1 tablet
/// 30 minutes prior to breakfast", "5 ml daily in the morning": they say when, and are no
/// words between the amount and its part of the day).
fn part_named_after(words: &[String], from: usize, until: usize) -> Option<u8> {
    part_named_at(words, from, until).map(|(_, part)| part)
}

/// Where [`part_named_after`] finds its part of the day, and the part.
fn part_named_at(words: &[String], from: usize, until: usize) -> Option<(usize, u8)> {
    let mut seen = 0;
    let mut at = from;
    while seen < 3 && at < until.min(words.len()) {
        let offset = time_offset_length(words, at);
        if offset > 0 {
            at += offset;
            continue;
        }
        if words[at] == "daily" {
            at += 1;
            continue;
        }
        if let Some(part) = part_of_day(&words[at]) {
            return Some((at, part));
        }
        seen += 1;
        at += 1;
    }
    None
}

/// The parts of the day joined by "and", "&" or "+" to the part at `at`, one amount given at
/// each ("1 tablet morning and night", "1 tablet in the morning and at night", "with breakfast
/// and evening meal"): a number, or any other word, ends them. A list of parts written with
/// commas and closed by a joining word ("1 tablet morning, lunch and night", "at breakfast,
/// lunch, and bedtime") is one joined list: the amount is given at each part. Chosen: the
/// words carry no commas, so parts side by side are a list only where a joining word closes
/// it; parts left unclosed ("morning, night") are not taken as doses.
fn parts_joined_to(words: &[String], at: usize) -> Vec<u8> {
    let mut parts = Vec::new();
    // Parts after the last joining word, kept once one closes the list.
    let mut listed = Vec::new();
    let mut index = at + 1;
    loop {
        while words
            .get(index)
            .is_some_and(|word| matches!(word.as_str(), "meal" | "meals" | "time"))
        {
            index += 1;
        }
        let joined = words
            .get(index)
            .is_some_and(|word| matches!(word.as_str(), "and" | "&" | "+"));
        if joined {
            index += 1;
        }
        while words.get(index).is_some_and(|word| {
            matches!(
                word.as_str(),
                "at" | "in" | "the" | "with" | "before" | "after" | "every" | "each" | "your"
            )
        }) {
            index += 1;
        }
        let Some(part) = words
            .get(index)
            .filter(|word| !matches!(word.as_str(), "am" | "pm"))
            .and_then(|word| part_of_day(word))
        else {
            return parts;
        };
        listed.push(part);
        if joined {
            parts.append(&mut listed);
        }
        index += 1;
    }
}

/// The words a time before or after something takes at `at` ("30 minutes", "1 hour", "an
/// hour"), 0 where none begins there.
fn time_offset_length(words: &[String], at: usize) -> usize {
    let is_time_unit = |index: usize| {
        words.get(index).is_some_and(|unit| {
            matches!(
                unit.as_str(),
                "minutes" | "minute" | "mins" | "min" | "hours" | "hour" | "hrs" | "hr" | "h"
            )
        })
    };
    let starts = words
        .get(at)
        .is_some_and(|word| word == "an" || word.parse::<f64>().is_ok());
    if starts && is_time_unit(at + 1) { 2 } else { 0 }
}

/// The part of the day a word names, for a day's doses written one by one: a meal is its part
/// of the day ("before breakfast", "with lunch", "after supper", "prior to evening meal").
fn part_of_day(word: &str) -> Option<u8> {
    match word {
        "mane" | "om" | "morning" | "am" | "qam" | "breakfast" => Some(0),
        "noon" | "midday" | "lunch" | "lunchtime" => Some(1),
        "evening" | "pm" | "qpm" | "dinner" | "supper" | "teatime" => Some(2),
        "nocte" | "night" | "bedtime" | "hs" | "qhs" => Some(3),
        _ => None,
    }
}

/// A day's doses written one by one, each with its part of the day ("5 mg mane, 10 mg nocte",
/// "100 mg in the morning and 200 mg at night", "1 tablet in the morning and 2 at night"): their
/// sum, once a day. A count of tablets (or capsules…) sums as a mass does, and becomes
/// milligrams with the product's strength where it has one known strength per unit (the
/// count is what the text gives: "50 mg oral tablet" in the drug's name multiplies it, see
/// `DrugName::milligrams` in `parse`). Every amount must be followed within three words by a
/// part of the day no other amount names; an amount is a number and its unit, or a number
/// alone ("… and 2 at night") which takes the unit the others write, never a time of the day
/// ("at 8", "8 am"). When the text names a mass, only masses are its amounts ("1 tablet (50
/// mg) in the morning and 2 tablets (100 mg) at night": the tablets explain the masses). The
/// text must name no other schedule ("daily" aside), no step ("then", "increase to", "week 2"),
/// no choice, extra or maximum ("or", "if needed", "up to"; see [`steps_or_choices`]) and no
/// range ("1-2 tablets", "1 to 2"), and no part may count more tablets than a part of the day
/// takes ([`MOST_FORMS_AT_A_PART`]): else it is no split day, and [`read`] reads it as before.
fn split_day(words: &[String]) -> Option<(f64, String)> {
    if let Some(pattern) = day_pattern(words) {
        return (!scheduled_otherwise(words)).then_some(pattern);
    }
    if has_range(words) {
        return None;
    }
    let unit_after = |index: usize| {
        words
            .get(index + 1)
            .filter(|unit| DOSE_UNITS.contains(&unit.as_str()))
            .map(|unit| singular(unit))
    };
    let masses_named = words.iter().enumerate().any(|(index, word)| {
        word.parse::<f64>().is_ok()
            && unit_after(index).is_some_and(|unit| MASS_UNITS.contains(&unit.as_str()))
    });
    let mut parts: Vec<u8> = Vec::new();
    let mut total = 0.0;
    let mut largest: f64 = 0.0;
    let mut amounts = 0;
    let mut any_joined = false;
    let mut unit: Option<String> = None;
    for (index, word) in words.iter().enumerate() {
        let Ok(value) = word.parse::<f64>() else {
            continue;
        };
        let written_unit = unit_after(index);
        let skip = written_unit.as_ref().map_or(1, |_| 2);
        let found = part_named_at(words, index + skip, words.len());
        let part = found.map(|(_, part)| part);
        let other_kind = written_unit
            .as_ref()
            .is_some_and(|written| MASS_UNITS.contains(&written.as_str()) != masses_named);
        // A number alone is an amount only when a part of the day follows it, and no time.
        let no_amount = written_unit.is_none() && (part.is_none() || is_clock_time(words, index));
        if other_kind || no_amount {
            continue;
        }
        if !(value.is_finite() && value > 0.0) {
            return None;
        }
        let (at, part) = found?;
        // One amount at parts joined to its own ("1 tablet morning and night and 1 tablet at
        // lunch"): a dose at each.
        let joined = parts_joined_to(words, at);
        any_joined = any_joined || !joined.is_empty();
        for part in std::iter::once(part).chain(joined) {
            if parts.contains(&part) {
                return None;
            }
            parts.push(part);
            total += value;
        }
        amounts += 1;
        largest = largest.max(value);
        if let Some(written) = written_unit {
            match &unit {
                None => unit = Some(written),
                Some(known) if *known == written => {}
                Some(_) => return None,
            }
        }
    }
    // Numbers alone at each part ("1 mane, 2 nocte") count the product's units.
    let unit = unit.unwrap_or_else(|| PRODUCT_UNITS.to_owned());
    // A count of tablets larger than a part of the day takes is no count: a day of the month,
    // a year ("on 12 at night" is a date).
    if matches!(unit.as_str(), "tablet" | "capsule" | PRODUCT_UNITS)
        && largest > MOST_FORMS_AT_A_PART
    {
        return None;
    }
    // Joined parts beside a count of doses ("1 tablet daily morning and night and …") say two
    // things of the day: unknown, as in [`per_day`].
    let counted_otherwise = any_joined
        && words
            .iter()
            .any(|word| matches!(word.as_str(), "daily" | "once" | "nightly"));
    (amounts >= 2 && !counted_otherwise && !scheduled_otherwise(words)).then_some((total, unit))
}

/// Whether the words name a schedule other than parts of the day, or a step, an alternative,
/// an extra or a maximum (see [`steps_or_choices`]).
fn scheduled_otherwise(words: &[String]) -> bool {
    steps_or_choices(words)
        || words.iter().enumerate().any(|(index, word)| {
            matches!(
                word.as_str(),
                "every" | "times" | "twice" | "thrice" | "weekly" | "monthly"
            ) || (word != "daily" && abbreviation(word).is_some() && part_of_day(word).is_none())
                || (word == "x" && index > 0)
        })
}

/// Whether the words say the amounts they name are not all given every day as written: steps
/// ("then", "increase", "for 7 days", "week 2", "from day 8", "after 1 week": a number beside
/// a length of time, though "after breakfast" is a part of the day), a choice ("or",
/// "may", "up to", "maximum"), an extra or one as needed ("if needed", "when required",
/// "prn", "extra"), or days between doses ("alternate", "other"). A day written dose by dose
/// is summed only when none is said: adding a choice or an extra to the schedule makes up a
/// dose no one gave, and a wrong dose is worse than an unknown one. A supply length that ends
/// the text is taken off before (see [`without_supply_length`]): "for 28 days" with no step
/// after it is how long, no step.
fn steps_or_choices(words: &[String]) -> bool {
    let is_number = |at: Option<usize>| {
        at.and_then(|at| words.get(at))
            .is_some_and(|word| word.parse::<f64>().is_ok())
    };
    says_as_needed(words)
        || words.iter().enumerate().any(|(index, word)| {
            let dated = matches!(
                word.as_str(),
                "day" | "days" | "week" | "weeks" | "wk" | "wks" | "month" | "months"
            ) && (is_number(index.checked_sub(1)) || is_number(index.checked_add(1)));
            dated
                || matches!(
                    word.as_str(),
                    "then"
                        | "increase"
                        | "increased"
                        | "increasing"
                        | "reduce"
                        | "reduced"
                        | "reducing"
                        | "decrease"
                        | "titrate"
                        | "taper"
                        | "thereafter"
                        | "followed"
                        | "onwards"
                        | "from"
                        | "until"
                        | "till"
                        | "starting"
                        | "later"
                        | "or"
                        | "either"
                        | "alternatively"
                        | "instead"
                        | "may"
                        | "max"
                        | "maximum"
                        | "extra"
                        | "additional"
                        | "more"
                        | "if"
                        | "alternate"
                        | "other"
                )
                || (word == "for" && is_number(index.checked_add(1)))
                || (word == "up" && words.get(index + 1).is_some_and(|next| next == "to"))
        })
}

/// Whether a dosage's text says its doses are not all given on each day as written: steps, a
/// choice, an extra, days between (see [`steps_or_choices`]). A dosage line saying so is no
/// part of one day written line by line.
pub fn says_steps_or_choices(text: &str) -> bool {
    steps_or_choices(&without_supply_length(tokens(text)).words)
}

/// Whether the words say the doses are taken as needed: "prn", "as needed", "if required",
/// "when necessary", "sos".
fn says_as_needed(words: &[String]) -> bool {
    words.iter().any(|w| w == "prn" || w == "sos")
        || words.windows(2).any(|pair| {
            matches!(
                pair,
                [when, need]
                    if matches!(when.as_str(), "as" | "if" | "when" | "where")
                        && matches!(need.as_str(), "needed" | "required" | "necessary")
            )
        })
}

/// The low of a range of amounts written as its two ends, when both are numbers, the low the
/// lesser and above nothing.
fn range_low(ends: Option<(&str, &str)>) -> Option<f64> {
    let (low, high) = ends?;
    let (low, high) = (low.parse::<f64>().ok()?, high.parse::<f64>().ok()?);
    (low.is_finite() && high.is_finite() && 0.0 < low && low < high).then_some(low)
}

/// A range of amounts anywhere: "1-2 tablets", "1 - 2 tablets", "1 to 2 tablets", "1 or 2".
fn has_range(words: &[String]) -> bool {
    words.iter().enumerate().any(|(index, word)| {
        let number = |at: usize| words.get(at).is_some_and(|w| w.parse::<f64>().is_ok());
        word.split_once('-')
            .is_some_and(|(low, high)| low.parse::<f64>().is_ok() && high.parse::<f64>().is_ok())
            || (matches!(word.as_str(), "to" | "or" | "-")
                && index > 0
                && number(index - 1)
                && number(index + 1))
    })
}

/// Whether the number at `index` is a clock time ("at 8", "8 am", "8 o'clock"), no amount.
fn is_clock_time(words: &[String], index: usize) -> bool {
    index
        .checked_sub(1)
        .and_then(|before| words.get(before))
        .is_some_and(|before| matches!(before.as_str(), "at" | "@" | "by" | "from" | "until"))
        || words.get(index + 1).is_some_and(|after| {
            matches!(
                after.as_str(),
                "am" | "pm"
                    | "h"
                    | "hr"
                    | "hrs"
                    | "hour"
                    | "hours"
                    | "minutes"
                    | "minute"
                    | "mins"
                    | "min"
                    | "o'clock"
                    | "oclock"
            )
        })
}

/// A day's doses written as a pattern of counts, one per part of the day ("1-0-2 tablets", "1 +
/// 0 + 2 tablets": morning, midday, evening, and night where there are four): their sum once a
/// day. Three or four counts joined by one kind of sign, in one word or as words with the signs
/// between them, right before a dose unit; two joined by a dash are a range, not a pattern.
/// Nothing else is joined to it: a number or a sign before the pattern makes it no pattern
/// ("2026-01-01 1 tablet" is a date and one tablet, never 2026 + 1 + 11 tablets), and each
/// part must be a count a part of the day can take (see [`pattern_count`]), so that a date
/// ("2026-01-01 tablets", "10-10-2026 tablets") is never one.
fn day_pattern(words: &[String]) -> Option<(f64, String)> {
    let mut found: Option<(f64, String)> = None;
    for (index, unit) in words.iter().enumerate() {
        if index == 0 || !DOSE_UNITS.contains(&unit.as_str()) {
            continue;
        }
        let Some((parts, from)) = pattern_before(words, index) else {
            continue;
        };
        let joined_to_more = from
            .checked_sub(1)
            .and_then(|before| words.get(before))
            .is_some_and(|before| is_sign(before) || before.parse::<f64>().is_ok());
        if joined_to_more || !(3..=4).contains(&parts.len()) {
            return None;
        }
        let unit = singular(unit);
        let mut total = 0.0;
        for part in parts {
            total += pattern_count(part, &unit)?;
        }
        if total <= 0.0 || found.is_some() {
            return None;
        }
        found = Some((total, unit));
    }
    found
}

/// The parts of a pattern of counts that ends right before the unit at `unit_at`, and the index
/// of its first word: one word joined by one kind of sign ("1-0-2", "1+0+2"), or numbers with
/// signs of one kind as words between them ("1 + 0 + 2"). `None` when the word before the unit
/// is no such pattern (a number alone, a range of two is no pattern and is left to the rest).
fn pattern_before(words: &[String], unit_at: usize) -> Option<(Vec<&str>, usize)> {
    let last = words.get(unit_at.checked_sub(1)?)?;
    let sign = ['+', '-'].into_iter().find(|sign| last.contains(*sign));
    if let Some(sign) = sign {
        let other = if sign == '+' { '-' } else { '+' };
        if last.contains(other) {
            return None;
        }
        let parts: Vec<&str> = last.split(sign).collect();
        return (parts.len() >= 3).then_some((parts, unit_at - 1));
    }
    last.parse::<f64>().ok()?;
    let mut parts: Vec<&str> = vec![last.as_str()];
    let mut from = unit_at - 1;
    let mut kind: Option<&str> = None;
    while from >= 2 {
        let (Some(joint), Some(count)) = (words.get(from - 1), words.get(from - 2)) else {
            break;
        };
        if !is_sign(joint)
            || kind.is_some_and(|kind| kind != joint)
            || count.parse::<f64>().is_err()
        {
            break;
        }
        kind = Some(joint.as_str());
        parts.insert(0, count.as_str());
        from -= 2;
    }
    (parts.len() >= 3).then_some((parts, from))
}

fn is_sign(word: &str) -> bool {
    matches!(word, "+" | "-")
}

/// Most tablets or capsules one part of the day's pattern counts: a larger number there is
/// read as no count (a year, a day of the month), and the pattern as none. Four is the
/// most a usual oral schedule takes at once; more is rare enough to leave unknown rather
/// than risk a date read as a dose.
const MOST_FORMS_AT_A_PART: f64 = 4.0;

/// One part of a pattern as a count: a plain number with no leading zero ("01" is a date's),
/// at most three digits before any decimal point (a year is none), and for tablets or
/// capsules at most [`MOST_FORMS_AT_A_PART`].
fn pattern_count(part: &str, unit: &str) -> Option<f64> {
    let whole = part.split('.').next().unwrap_or(part);
    if whole.is_empty() || whole.len() > 3 || (whole.len() > 1 && whole.starts_with('0')) {
        return None;
    }
    let value = part
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)?;
    let counted = matches!(unit, "tablet" | "capsule");
    (!counted || value <= MOST_FORMS_AT_A_PART).then_some(value)
}

/// MarkedWords that end one step of a written titration and begin the next.
const STEP_BREAKS: [&[&str]; 6] = [
    &["followed", "by"],
    &["increase", "to"],
    &["increasing", "to"],
    &["reduce", "to"],
    &["then"],
    &["thereafter"],
];

/// Where each run of [`STEP_BREAKS`] begins among the words, and how many words it has.
fn step_break_starts(words: &[String]) -> Vec<(usize, usize)> {
    (0..words.len())
        .filter_map(|at| {
            STEP_BREAKS
                .iter()
                .find(|run| {
                    words
                        .get(at..at + run.len())
                        .is_some_and(|slice| slice.iter().zip(run.iter()).all(|(a, b)| a == b))
                })
                .map(|run| (at, run.len()))
        })
        .collect()
}

/// A titration written as words, step by step: "25 mg daily for 3 weeks then 50 mg daily",
/// "12.5 mg daily x 2 weeks, followed by 25 mg daily", "… for 7 days, then increase to 50 mg".
/// Every step must name its amount, and every step but the last how long it lasted ("for N
/// days/weeks/months", "x N weeks"); a step that names no schedule keeps the one before it
/// ("then 50 mg"). `None` when the text is one step, or a step cannot be read so: it is then
/// read as one dosage (see [`read`]).
///
/// `own`: the words of the drug's own name (see [`read_of`]).
pub fn steps(text: &str, own: &[String]) -> Option<Vec<TextStep>> {
    let marked = without_former_doses(&without_supplies(&tokens(text)), own)?;
    let labels = step_labels(&marked);
    if is_labelled(&labels) {
        return labelled_steps(&marked.words, &labels);
    }
    let words = marked.words;
    let mut parts: Vec<&[String]> = Vec::new();
    let mut from = 0;
    let mut at = 0;
    while at < words.len() {
        let found = STEP_BREAKS.iter().find(|run| {
            words
                .get(at..at + run.len())
                .is_some_and(|slice| slice.iter().zip(run.iter()).all(|(a, b)| a == b))
        });
        if let Some(run) = found {
            parts.push(&words[from..at]);
            // "then increase to": one break.
            at += run.len();
            while let Some(next) = STEP_BREAKS.iter().find(|run| {
                words
                    .get(at..at + run.len())
                    .is_some_and(|slice| slice.iter().zip(run.iter()).all(|(a, b)| a == b))
            }) {
                at += next.len();
            }
            from = at;
        } else {
            at += 1;
        }
    }
    parts.push(&words[from..]);
    parts.retain(|part| !part.is_empty());
    // A taper's "… then stop": the course ends with the step before, which says how long it
    // lasted.
    if parts.last().is_some_and(|part| ends_the_course(part)) {
        parts.pop();
        if parts
            .last()
            .is_some_and(|before| lasting(before).0.is_none())
        {
            return None;
        }
    }
    if parts.len() < 2 {
        return None;
    }
    let last = parts.len() - 1;
    let mut read_steps: Vec<TextStep> = Vec::with_capacity(parts.len());
    for (index, part) in parts.into_iter().enumerate() {
        let (days, rest) = lasting(part);
        if days.is_none() && index < last {
            return None;
        }
        let mut dose = read(&rest.join(" "));
        dose.amount.as_ref()?;
        if dose.per_day.is_none() {
            dose.per_day = read_steps.last().and_then(|before| before.dose.per_day);
        }
        dose.per_day?;
        read_steps.push(TextStep { dose, days });
    }
    Some(read_steps)
}

/// A label that opens a step of a titration by the weeks or days it covers ("Week 1:",
/// "Weeks 3-4:", "Days 1-7:", "Day 8 to 14:", "Week 3 onwards:", "Week 5+:").
#[derive(Debug, Clone, Copy, PartialEq)]
struct StepLabel {
    /// Where the label's first word is.
    at: usize,
    /// Where the words after it begin.
    words_from: usize,
    /// Its first and last day counted from the titration's first (1), `None` as the last
    /// when it runs on ("onwards").
    first_day: i64,
    last_day: Option<i64>,
}

/// Whether step labels make a text a labelled titration (see [`labelled_steps`]): two or more,
/// or one that begins after day 1 ("Week 2 onwards: 50 mg daily": the step before it is not
/// said). Chosen: one label from day 1 ("Day 1: 1 tablet daily", "Days 1-7: 1 tablet daily")
/// heads the one dose the text gives, which is read as any text's (an unknown dose is given
/// the benefit of the doubt, so a dose read right made unknown can make a false flag).
fn is_labelled(labels: &[StepLabel]) -> bool {
    labels.len() >= 2 || labels.first().is_some_and(|label| label.first_day != 1)
}

/// The step labels in the words (see [`StepLabel`]): "week" or "day" (or "wk", their
/// plurals) and then a whole number or a range of them ("Days 1-7", "Day 1 to 7", "Day 1 to
/// day 14"), heading a step: followed by a colon ("Week 1:", "Day 8 onwards:"), or opening
/// the text or a part of it after ";", ",", "." or a new line and followed by an amount
/// ("Days 1-7 25 mg daily, Days 8-14 50 mg daily"). A day or week named in passing ("Review
/// day 14", "week 3 of titration", "Wk 4 review", "Started day 3 post op", "Week 1 and 3 of
/// each cycle", "days 1-14 every 21 days") heads no step. Not one after a word that makes the
/// number a length or a date of another kind ("for 2 weeks" has its number first; "every",
/// "per", "on day 1", "from day 8", "after week 2" are no labels).
fn step_labels(marked: &MarkedWords) -> Vec<StepLabel> {
    let words = &marked.words;
    let whole = |word: &str| {
        (!word.is_empty() && word.len() <= 3 && word.bytes().all(|b| b.is_ascii_digit()))
            .then(|| word.parse::<i64>().ok())
            .flatten()
            .filter(|n| *n >= 1)
    };
    let mut labels = Vec::new();
    for (at, word) in words.iter().enumerate() {
        let unit: i64 = match word.as_str() {
            "week" | "weeks" | "wk" | "wks" => 7,
            "day" | "days" => 1,
            _ => continue,
        };
        let preposition = at
            .checked_sub(1)
            .and_then(|before| words.get(before))
            .is_some_and(|before| {
                before.parse::<f64>().is_ok()
                    || matches!(
                        before.as_str(),
                        "for"
                            | "x"
                            | "×"
                            | "every"
                            | "per"
                            | "a"
                            | "each"
                            | "on"
                            | "from"
                            | "after"
                            | "until"
                            | "till"
                            | "of"
                            | "the"
                            | "before"
                            | "to"
                    )
            });
        let Some(number) = words.get(at + 1) else {
            continue;
        };
        if preposition {
            continue;
        }
        let (first, mut last, mut next) = match number.split_once('-') {
            Some((low, high)) => match (whole(low), whole(high)) {
                (Some(low), Some(high)) => (low, Some(high), at + 2),
                _ => continue,
            },
            None => match whole(number) {
                Some(first) => (first, Some(first), at + 2),
                None => continue,
            },
        };
        let word_at = |index: usize| words.get(index).map(String::as_str);
        if last == Some(first) && matches!(word_at(next), Some("to" | "-")) {
            // "Day 1 to day 14": the unit named again.
            let unit_again = usize::from(word_at(next + 1) == Some(word.as_str()));
            if let Some(high) = word_at(next + 1 + unit_again).and_then(whole) {
                last = Some(high);
                next += 2 + unit_again;
            }
        }
        match (word_at(next), word_at(next + 1)) {
            (Some("onwards" | "onward" | "on" | "+" | "thereafter"), _) => {
                last = None;
                next += 1;
            }
            (Some("and"), Some("after" | "beyond" | "thereafter" | "onwards")) => {
                last = None;
                next += 2;
            }
            _ => {}
        }
        if last.is_some_and(|last| last < first) {
            continue;
        }
        let colon = next
            .checked_sub(1)
            .is_some_and(|end| marked.colon_after.get(end) == Some(&true));
        let opens_a_part = marked.break_at(at) != Break::None;
        let amount_follows = words
            .get(next)
            .is_some_and(|after| after.parse::<f64>().is_ok());
        if !(colon || (opens_a_part && amount_follows)) {
            continue;
        }
        labels.push(StepLabel {
            at,
            words_from: next,
            first_day: (first - 1) * unit + 1,
            last_day: last.map(|last| last * unit),
        });
    }
    labels
}

/// A titration written as labelled steps ("Week 1: 25 mg daily; Week 2: 50 mg daily; Week 3
/// onwards: 100 mg daily", "Days 1-7: …, Days 8-14: …"): each step lasts the days its label
/// covers, one after another from the dosage's start as "for 7 days, then" is dated (see
/// [`steps`]), never summed nor read at one amount. Only a clear titration is read: the
/// words before the first label name no number, the first label starts at day 1 (week 1),
/// each next one the day after the one before ends (no gap, no overlap, no week named
/// twice), only the last may run on ("onwards"), and every step names an amount (a schedule
/// it does not name is the one before's). Chosen: a last label with an end ("Week 2: 50 mg
/// daily" last) is a last step that lasts its days, as a last "for 7 days" is: the text does
/// not say the dose after it, and a course read on at that dose would be a guess. Else
/// `None`, and [`read`] reads no amount from the words either.
fn labelled_steps(words: &[String], labels: &[StepLabel]) -> Option<Vec<TextStep>> {
    let first = labels.first()?;
    if words[..first.at]
        .iter()
        .any(|word| word.chars().any(|c| c.is_ascii_digit()))
        || first.first_day != 1
    {
        return None;
    }
    let mut read_steps: Vec<TextStep> = Vec::with_capacity(labels.len());
    let mut next_day = 1;
    for (index, label) in labels.iter().enumerate() {
        let is_last = index + 1 == labels.len();
        if label.first_day != next_day || (label.last_day.is_none() && !is_last) {
            return None;
        }
        let until = labels.get(index + 1).map_or(words.len(), |next| next.at);
        let mut part = words.get(label.words_from..until)?.to_vec();
        while part
            .last()
            .is_some_and(|word| matches!(word.as_str(), "then" | "and" | "followed" | "by"))
        {
            part.pop();
        }
        if part.iter().any(|word| {
            STEP_BREAKS
                .iter()
                .any(|run| run.first() == Some(&word.as_str()))
        }) {
            return None;
        }
        let days = match label.last_day {
            Some(last) => {
                next_day = last + 1;
                Some(last - label.first_day + 1)
            }
            None => None,
        };
        let mut dose = read(&part.join(" "));
        dose.amount.as_ref()?;
        if dose.per_day.is_none() {
            dose.per_day = read_steps.last().and_then(|before| before.dose.per_day);
        }
        dose.per_day?;
        read_steps.push(TextStep { dose, days });
    }
    (read_steps.len() >= 2).then_some(read_steps)
}

/// Whether a step's words only end the course ("stop", "then discontinue", "then off"): no
/// amount, a word that stops.
fn ends_the_course(words: &[String]) -> bool {
    words.iter().all(|word| word.parse::<f64>().is_err())
        && words.iter().any(|word| {
            matches!(
                word.as_str(),
                "stop" | "stopped" | "discontinue" | "discontinued" | "cease" | "off" | "finish"
            )
        })
}

/// How long a step's words say it lasted ("for 3 weeks", "x 14 days"), in whole days, and the
/// words without that phrase.
fn lasting(words: &[String]) -> (Option<i64>, Vec<String>) {
    for (at, word) in words.iter().enumerate() {
        if !matches!(word.as_str(), "for" | "x" | "×") {
            continue;
        }
        let (Some(number), Some(unit)) = (words.get(at + 1), words.get(at + 2)) else {
            continue;
        };
        let (Ok(count), Some(unit_days)) = (number.parse::<f64>(), unit_days(unit)) else {
            continue;
        };
        let days = count * unit_days;
        if unit_days < 1.0 || !days.is_finite() || !(1.0..=36_500.0).contains(&days) {
            continue;
        }
        let mut rest = words[..at].to_vec();
        rest.extend_from_slice(&words[at + 3..]);
        return (Some(days.round() as i64), rest);
    }
    (None, words.to_vec())
}

/// The words of a text (see [`tokens`]), with where each stood: in brackets, after a break,
/// before a colon. Kept side by side so that words taken out (a supply length, a former dose)
/// leave the rest aligned.
#[derive(Debug, Clone, Default, PartialEq)]
struct MarkedWords {
    words: Vec<String>,
    /// Whether each word was written in brackets ("2 tablets (20 mg)": the amount in brackets
    /// explains the one outside).
    bracketed: Vec<bool>,
    /// What parts each word from the one before it.
    breaks: Vec<Break>,
    /// Whether a colon follows each word ("Week 1:", "Days 1-7 :").
    colon_after: Vec<bool>,
}

/// What parts a word from the one before it: nothing, a comma, or the end of a sentence (";",
/// ".", a new line, the text's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Break {
    None,
    Comma,
    Sentence,
}

impl MarkedWords {
    /// The words but those `dropped` says, every side list kept aligned.
    fn without(&self, dropped: impl Fn(usize) -> bool) -> MarkedWords {
        let mut kept = MarkedWords::default();
        for index in (0..self.words.len()).filter(|&index| !dropped(index)) {
            kept.words.push(self.words[index].clone());
            kept.bracketed
                .push(self.bracketed.get(index).copied().unwrap_or(false));
            kept.breaks
                .push(self.breaks.get(index).copied().unwrap_or(Break::None));
            kept.colon_after
                .push(self.colon_after.get(index).copied().unwrap_or(false));
        }
        kept
    }

    fn remove(&mut self, range: std::ops::Range<usize>) {
        self.words.drain(range.clone());
        self.bracketed.drain(range.clone());
        self.breaks.drain(range.clone());
        self.colon_after.drain(range);
    }

    fn break_at(&self, index: usize) -> Break {
        self.breaks.get(index).copied().unwrap_or(Break::None)
    }
}

/// Lower-case words, abbreviations' dots removed ("b.i.d." → "bid"), numbers split from glued
/// units ("500mg" → "500", "mg"), number words as digits; and for each, whether it was written
/// in brackets ("2 tablets (20 mg)": the amount in brackets explains the one outside).
fn words_and_brackets(text: &str) -> (Vec<String>, Vec<bool>) {
    let read = tokens(text);
    (read.words, read.bracketed)
}

/// The text's [`MarkedWords`] (see [`words_and_brackets`]).
fn tokens(text: &str) -> MarkedWords {
    let mut read = MarkedWords::default();
    let mut depth = 0_usize;
    for line in text.lines() {
        let mut pending = Break::Sentence;
        for raw in line.split_whitespace() {
            // "tab(s)", "tablet(s)", "cap(s)": a plural as order systems print it, no bracket.
            let raw = raw.replace("(s)", "s").replace("(S)", "s");
            let raw = raw.as_str();
            let opens = raw.chars().filter(|c| matches!(c, '(' | '[')).count();
            let closes = raw.chars().filter(|c| matches!(c, ')' | ']')).count();
            let inside = depth + opens > 0;
            depth = (depth + opens).saturating_sub(closes);
            let bare = raw.trim_end_matches([')', ']']);
            let ends_with_colon = bare.ends_with(':');
            let ends_sentence = bare.ends_with([';', '!', '?'])
                || (bare.ends_with('.') && !bare.ends_with("..") && {
                    // "b.i.d." ends no sentence; "daily." and "14." do.
                    let body = bare.trim_end_matches('.').to_lowercase();
                    let abbreviated = matches!(
                        body.as_str(),
                        "tab" | "tabs" | "cap" | "caps" | "approx" | "max" | "min" | "no" | "inc"
                    );
                    !abbreviated
                        && (!body.contains('.')
                            || body.chars().all(|c| c.is_ascii_digit() || c == '.'))
                });
            let ends_clause = bare.ends_with(',');
            let word = raw
                .trim_matches([',', ';', ':', '(', ')', '[', ']'])
                .to_lowercase();
            let word = if word.chars().any(|c| c.is_ascii_digit()) {
                word.trim_end_matches('.').to_owned()
            } else {
                word.replace('.', "")
            };
            let from = read.words.len();
            if !word.is_empty() {
                push_word(&mut read.words, &word);
            }
            let pushed = read.words.len();
            read.bracketed.resize(pushed, inside);
            read.breaks.resize(pushed, Break::None);
            read.colon_after.resize(pushed, false);
            if pushed > from {
                read.breaks[from] = pending;
                pending = Break::None;
            }
            if ends_with_colon && let Some(last) = read.colon_after.last_mut() {
                *last = true;
            }
            if ends_sentence {
                pending = Break::Sentence;
            } else if ends_clause && pending == Break::None {
                pending = Break::Comma;
            }
        }
    }
    // "1 and a half tablets", "one and half": one amount, the whole and its half.
    let mut index = 0;
    while index + 2 < read.words.len() {
        let words = &read.words;
        let whole = words[index]
            .parse::<f64>()
            .ok()
            .filter(|_| words[index] != "0.5");
        let article = usize::from(words[index + 2] == "a" || words[index + 2] == "an");
        if let Some(whole) = whole
            && words[index + 1] == "and"
            && words.get(index + 2 + article).map(String::as_str) == Some("0.5")
        {
            read.words[index] = format!("{}", whole + 0.5);
            read.remove(index + 1..index + 3 + article);
        }
        index += 1;
    }
    // "half a tablet": the article joins no amount to its unit.
    let mut index = 1;
    while index + 1 < read.words.len() {
        if read.words[index - 1] == "0.5"
            && matches!(read.words[index].as_str(), "a" | "an")
            && DOSE_UNITS.contains(&read.words[index + 1].as_str())
        {
            read.remove(index..index + 1);
        }
        index += 1;
    }
    read
}

/// Pushes one written word: a number glued to its unit split ("500mg"), a number word as its
/// digits, a mass per day as "mg per day".
fn push_word(words: &mut Vec<String>, word: &str) {
    let glued = word
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|&at| at > 0 && !word.starts_with('q'));
    // "1000mg/day", "1000 mg/d": a mass per day, written as "mg per day" so that it is
    // seen as an amount (and as the day's total), never skipped as an unknown word.
    let push_unit = |words: &mut Vec<String>, unit: &str| match unit.split_once('/') {
        Some((mass, "day" | "d" | "24h")) if MASS_UNITS.contains(&mass) => {
            words.extend([mass.to_owned(), "per".to_owned(), "day".to_owned()]);
        }
        _ => words.push(unit.to_owned()),
    };
    match glued {
        Some(at) if !word[at..].starts_with(['-', '/']) => {
            words.push(word[..at].to_owned());
            push_unit(words, &word[at..]);
        }
        _ => match number_word(word) {
            Some(number) => words.push(number.to_owned()),
            None => push_unit(words, word),
        },
    }
}

fn number_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "one" => "1",
        "two" => "2",
        "three" => "3",
        "four" => "4",
        "five" => "5",
        "six" => "6",
        "half" | "½" => "0.5",
        _ => return None,
    })
}

const DOSE_UNITS: [&str; 19] = [
    "mg", "g", "mcg", "ug", "µg", "ml", "unit", "units", "iu", "tablet", "tablets", "tab", "tabs",
    "capsule", "capsules", "cap", "caps", "puff", "puffs",
];

/// The amount of one dose: a number followed by a dose unit. Where the text gives both a mass
/// and a count of tablets (or capsules…), which is the dose is read from how it says so:
/// - a product: "2 x 10 mg", "10 mg x 2", "two 10 mg tablets", "10 mg tablets: take 2",
///   "2 tablets (500 mg each)" give the count times the strength;
/// - a total: "2 tablets (20 mg total)", and an amount in brackets explaining the other
///   ("2 tablets (20 mg)", "20 mg (2 tablets)", "½ tablet (5 mg)"), give the mass;
/// - one tablet of a mass ("1 tablet 500 mg") is that mass.
///
/// Otherwise a mass beside a count of more than one ("10 mg, 2 tablets") could be the strength
/// or the whole dose: none is given rather than the strength taken for the dose (half of it, a
/// trial then read as too low). A range, or two different amounts of the same kind, give none.
fn amount(
    words: &[String],
    bracketed: &[bool],
    several: fn(&[Amount]) -> Option<(f64, String)>,
) -> Option<(f64, String)> {
    let mut masses: Vec<Amount> = Vec::new();
    let mut counts: Vec<Amount> = Vec::new();
    // The words of the ranges read: a range is the dose only where no other number could be
    // one ("25-50 mg tablets: 1 tablet daily" names a strength; "1-2 tablets in the morning
    // and 2 at night" a day whose sum is no range's low).
    let mut ranges: Vec<std::ops::RangeInclusive<usize>> = Vec::new();
    for (index, word) in words.iter().enumerate() {
        let Some(unit) = words.get(index + 1) else {
            break;
        };
        let unit = unit.as_str();
        if !DOSE_UNITS.contains(&unit) {
            continue;
        }
        let before = |back: usize| index.checked_sub(back).and_then(|i| words.get(i));
        // "up to 2 tablets" is a most, no dose.
        if before(1).is_some_and(|w| w == "to") && before(2).is_some_and(|w| w == "up") {
            return None;
        }
        // "1-2 tablets", "1 - 2 tablets", "1 to 2 tablets", "1 or 2 tablets": a range, read at
        // its low, the amount surely given each time (as a structured `doseRange` is), so that
        // a range below a drug's minimum is surely below it ("increase to 50 mg" is no range:
        // no number before "to"). A dash between anything else, or a range the wrong way
        // round, says no amount.
        let low = if word.contains('-') {
            ranges.push(index..=index);
            range_low(word.split_once('-'))?
        } else if before(1).is_some_and(|w| is_sign(w) || w == "to" || w == "or")
            && before(2).is_some_and(|w| w.parse::<f64>().is_ok())
        {
            // "from 250 to 1000 mg", "increase 250 to 1000 mg": a change from one dose to
            // another, not a range of either: no amount.
            if before(1).is_some_and(|w| w == "to")
                && before(3).is_some_and(|w| {
                    matches!(
                        w.as_str(),
                        "from"
                            | "increase"
                            | "increased"
                            | "titrate"
                            | "titrated"
                            | "reduce"
                            | "reduced"
                            | "decrease"
                            | "decreased"
                            | "taper"
                            | "tapered"
                            | "wean"
                            | "weaned"
                    )
                })
            {
                return None;
            }
            ranges.push(index - 2..=index);
            range_low(before(2).map(String::as_str).zip(Some(word.as_str())))?
        } else {
            match word.parse::<f64>() {
                Ok(value) => value,
                Err(_) => continue,
            }
        };
        let value = low;
        if !value.is_finite() || value <= 0.0 {
            return None;
        }
        let unit = singular(unit);
        let found = Amount {
            value,
            at: index,
            bracketed: bracketed.get(index).copied().unwrap_or(false),
            unit,
        };
        if MASS_UNITS.contains(&found.unit.as_str()) {
            masses.push(found);
        } else {
            counts.push(found);
        }
    }
    if !ranges.is_empty()
        && (masses.len() + counts.len() > 1
            || count_places(words)
                .into_iter()
                .any(|at| !ranges.iter().any(|range| range.contains(&at))))
    {
        return None;
    }
    if masses.is_empty() {
        return several(&counts);
    }
    if let Some(product) = products(words, &masses, &counts, several) {
        return product;
    }
    let word_after = |amount: &Amount, n: usize| words.get(amount.at + 1 + n).map(String::as_str);
    let totals: Vec<Amount> = masses
        .iter()
        .filter(|mass| {
            word_after(mass, 1) == Some("total")
                || (mass.at >= 1 && words.get(mass.at - 1).is_some_and(|w| w == "total"))
        })
        .cloned()
        .collect();
    if !totals.is_empty() {
        return several(&totals);
    }
    let ones = counts
        .iter()
        .all(|count| (count.value - 1.0).abs() < f64::EPSILON);
    let explained = counts.iter().all(|count| count.bracketed)
        || (masses.iter().all(|mass| mass.bracketed) && counts.iter().all(|c| !c.bracketed));
    if counts.is_empty() || ones || explained {
        several(&masses)
    } else {
        None
    }
}

/// One amount a dosage text names, where it stands among the words.
#[derive(Debug, Clone)]
struct Amount {
    value: f64,
    unit: String,
    /// The index of its number among the words.
    at: usize,
    bracketed: bool,
}

/// A dose written as a count times a strength (see [`amount`]): `None` when the text writes
/// none, `Some(None)` when it writes several that disagree.
#[allow(clippy::option_option)] // "none written" and "written, but not one dose" differ
fn products(
    words: &[String],
    masses: &[Amount],
    counts: &[Amount],
    several: fn(&[Amount]) -> Option<(f64, String)>,
) -> Option<Option<(f64, String)>> {
    let number = |at: usize| {
        words
            .get(at)
            .and_then(|w| w.parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n > 0.0)
    };
    let is_times = |at: usize| words.get(at).is_some_and(|w| w == "x" || w == "×");
    let is_form = |at: usize| {
        words
            .get(at)
            .is_some_and(|w| DOSE_UNITS.contains(&w.as_str()) && !MASS_UNITS.contains(&w.as_str()))
    };
    let mut found: Vec<Amount> = Vec::new();
    for mass in masses {
        let at = mass.at;
        let times = if at >= 2 && is_times(at - 1) {
            // "2 x 10 mg"
            number(at - 2)
        } else if is_times(at + 2) && !schedule_follows(words, at + 4) {
            // "10 mg x 2", not "10 mg x 2 weeks" (how long) nor "10 mg x 2 times a day" (how
            // often: the schedule's count, read by `per_day`).
            number(at + 3)
        } else if at >= 1 && is_form(at + 2) {
            // "two 10 mg tablets"; else "10 mg tablets: take 2", "2 tablets (500 mg each)".
            number(at - 1).or_else(|| take_count(words, at + 3))
        } else if words.get(at + 2).is_some_and(|w| w == "each") {
            agreed(counts).map(|(count, _)| count)
        } else if is_form(at + 2) {
            take_count(words, at + 3)
        } else {
            None
        };
        if let Some(times) = times {
            found.push(Amount {
                value: times * mass.value,
                ..mass.clone()
            });
        }
    }
    (!found.is_empty()).then(|| several(&found))
}

/// Whether the words from `at` say how often or how long ("times a day", "per day", "a day",
/// "/d", "weeks"): a number before them counts doses or days, not tablets. "Daily" alone does
/// not: "10 mg x 2 daily" is two tablets once a day, the same daily dose as ten twice.
fn schedule_follows(words: &[String], at: usize) -> bool {
    words.get(at).is_some_and(|word| {
        matches!(
            word.as_str(),
            "times" | "x" | "per" | "a" | "an" | "/" | "every" | "each"
        ) || word.starts_with('/')
            || (unit_days(word).is_some() && word != "daily")
    })
}

/// A count of tablets after their strength: "10 mg tablets: take 2", "… 2 tablets".
fn take_count(words: &[String], from: usize) -> Option<f64> {
    let rest = words.get(from..)?;
    let count = |word: &String| {
        word.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n > 0.0)
    };
    rest.windows(2)
        .enumerate()
        .find_map(|(at, pair)| match pair {
            // "take 2", not "take 150 mg": a mass after the number is the dose itself, no count of
            // tablets of the strength ("37.5 mg tablets: take 150 mg daily" is 150 mg, not 5625).
            [take, number]
                if (take == "take" || take == "give")
                    && !rest
                        .get(at + 2)
                        .is_some_and(|unit| MASS_UNITS.contains(&unit.as_str())) =>
            {
                count(number)
            }
            [number, unit]
                if DOSE_UNITS.contains(&unit.as_str()) && !MASS_UNITS.contains(&unit.as_str()) =>
            {
                count(number)
            }
            // "Sertraline 25mg tablets, two to be taken each day": a count with no unit right
            // after the product's form is of that form.
            [number, _] if at == 0 && schedule_follows_count(words, from + 1) => count(number),
            _ => None,
        })
}

/// The amount every entry of `amounts` says, if they agree.
fn agreed(amounts: &[Amount]) -> Option<(f64, String)> {
    let (first, rest) = amounts.split_first()?;
    rest.iter()
        .all(|other| (other.value - first.value).abs() < f64::EPSILON && other.unit == first.unit)
        .then(|| (first.value, first.unit.clone()))
}

const MASS_UNITS: [&str; 5] = ["mg", "g", "mcg", "ug", "µg"];

fn singular(unit: &str) -> String {
    match unit {
        "tablets" | "tab" | "tabs" => "tablet",
        "capsules" | "cap" | "caps" => "capsule",
        "units" | "iu" => "unit",
        "puffs" => "puff",
        other => other,
    }
    .to_owned()
}

/// Doses a day from the schedule's words.
fn per_day(words: &[String]) -> Option<f64> {
    // A range of times ("1 to 2 times", "1-2 times", "2 or 3 times") counts its least, as a
    // structured `frequency`..`frequencyMax` does: the doses surely given.
    let number_before = |index: usize| {
        let word = |at: usize| words.get(at).map(String::as_str);
        let before = index.checked_sub(1)?;
        let joined_low = word(before)
            .and_then(|w| w.split_once('-'))
            .and_then(|ends| range_low(Some(ends)));
        let apart_low = before
            .checked_sub(2)
            .filter(|&low| {
                matches!(word(low + 1), Some("to" | "or" | "-")) && word(before).is_some()
            })
            .and_then(|low| range_low(word(low).zip(word(before))));
        joined_low
            .or(apart_low)
            .or_else(|| word(before)?.parse::<f64>().ok())
            .filter(|n| n.is_finite() && *n > 0.0)
    };
    let mut found: Vec<f64> = Vec::new();
    let mut found_with_parts: Vec<(f64, bool)> = Vec::new();
    for (index, word) in words.iter().enumerate() {
        let next = words.get(index + 1).map(String::as_str);
        let rate = match word.as_str() {
            "daily" | "nightly" => Some(1.0),
            "weekly" => Some(1.0 / 7.0),
            "fortnightly" => Some(1.0 / 14.0),
            "monthly" => Some(1.0 / 30.0),
            "once" | "twice" | "thrice" => {
                let times = match word.as_str() {
                    "once" => 1.0,
                    "twice" => 2.0,
                    _ => 3.0,
                };
                period_after(words, index + 1).map(|days| times / days)
            }
            "times" | "x" => number_before(index)
                .and_then(|times| period_after(words, index + 1).map(|days| times / days))
                .or_else(|| times_per_period(words, index)),
            "every" | "each" | "q" => every(words, index + 1),
            "at" if matches!(next, Some("night" | "bedtime")) => Some(1.0),
            "in" if next == Some("the")
                && matches!(
                    words.get(index + 2).map(String::as_str),
                    Some("morning" | "evening")
                ) =>
            {
                Some(1.0)
            }
            other => abbreviation(other),
        };
        if let Some(rate) = rate {
            found.push(rate);
            // "at night", "in the morning", "every evening", "mane": the rate of a part of
            // the day, which names one dose of the day, not how many.
            let of_a_part = match word.as_str() {
                "at" | "in" => true,
                "every" | "each" => {
                    matches!(next, Some("morning" | "evening" | "night" | "bedtime"))
                }
                other => part_of_day(other).is_some(),
            };
            found_with_parts.push((rate, of_a_part));
        }
    }
    // One amount at several parts of the day ("1 tablet in the morning and at night", "half a
    // tablet mane and nocte", "1 tablet with breakfast and evening meal") is a dose at each:
    // read once a day, the day would be halved. Only where the text says nothing else of the
    // day: a choice ("in the morning or at night": one of them), a step, an extra or a "not"
    // leave the schedule read as before, and a count of doses that says another number ("1
    // tablet daily in the morning and at night") leaves it unknown.
    let parts = parts_named(words);
    if parts.len() >= 2
        && !steps_or_choices(words)
        && !words
            .iter()
            .any(|word| matches!(word.as_str(), "not" | "avoid" | "never" | "except"))
    {
        #[allow(clippy::cast_precision_loss)] // at most four parts of the day
        let doses = parts.len() as f64;
        let said = found_with_parts
            .iter()
            .filter(|(_, of_a_part)| !of_a_part)
            .all(|(rate, _)| (rate - doses).abs() < 1e-9);
        return said.then_some(doses);
    }
    // A meal alone places one dose a day ("1 hour before breakfast").
    if found.is_empty() && parts.len() == 1 {
        return Some(1.0);
    }
    // "once daily" is read at "once" and again at "daily": the same schedule.
    let first = *found.first()?;
    found
        .iter()
        .skip(1)
        .all(|rate| (rate - first).abs() < 1e-9 || (*rate - 1.0).abs() < 1e-9)
        .then_some(first)
}

/// The parts of the day the words give doses at, each once, in their order: a part of the day
/// or a meal after a word that places a dose at it ("in the morning", "at night", "every
/// evening", "before breakfast", "30 minutes prior to breakfast", "with lunch", "1 tablet
/// morning"), one joined to such a part ("with breakfast and evening meal", "breakfast, lunch
/// and dinner"), or a Latin abbreviation of one ("mane", "nocte", "qhs"). "am" and "pm" are
/// times ("8 am and 8 pm"), no parts.
///
/// Chosen: a part is a dose only where it carries an amount, or is joined ("and", "&", "+") to
/// a part that does ([`carries_an_amount`]), a comma list closed by a joining word being one
/// joined list ("1 tablet morning, lunch and night", "at breakfast, lunch, and bedtime": the
/// words carry no commas, so parts side by side join only where "and" closes them): "Missed dose: take in the morning", "weigh
/// yourself every morning" beside "2 tablets at night" name no dose, and a meal saying when
/// one dose is given relative to food ("2 tablets at bedtime after the evening meal", "at
/// night, 30 minutes after supper") is that dose, no second one.
fn parts_named(words: &[String]) -> Vec<u8> {
    // Runs of parts joined to one another, each part with where it stands, and whether the
    // run follows the run before it with no joining word (a comma list: "morning, lunch and
    // night"); such a run joins the one before once a joining word closes it.
    let mut runs: Vec<(Vec<(usize, u8)>, bool)> = Vec::new();
    let mut joined = false;
    let mut conjoined = false;
    for (index, word) in words.iter().enumerate() {
        let part = part_of_day(word).filter(|_| !matches!(word.as_str(), "am" | "pm"));
        if let Some(part) = part {
            let abbreviated = matches!(
                word.as_str(),
                "mane" | "om" | "nocte" | "qam" | "qpm" | "qhs" | "hs"
            );
            let placed = abbreviated || places_a_dose_at(words, index);
            if joined
                && conjoined
                && let Some((run, _)) = runs.last_mut()
            {
                run.push((index, part));
                // "and" closes the comma list the run ends: one list with the runs before.
                while runs.len() >= 2 && runs.last().is_some_and(|(_, listed)| *listed) {
                    if let Some((last, _)) = runs.pop()
                        && let Some((before, _)) = runs.last_mut()
                    {
                        before.extend(last);
                    }
                }
            } else if joined || placed {
                let listed = joined && !runs.is_empty();
                runs.push((vec![(index, part)], listed));
            }
            joined = joined || placed;
            conjoined = false;
        } else {
            conjoined = conjoined || matches!(word.as_str(), "and" | "&" | "+");
            joined = joined
                && matches!(
                    word.as_str(),
                    "and"
                        | "or"
                        | "&"
                        | "+"
                        | "meal"
                        | "meals"
                        | "time"
                        | "the"
                        | "at"
                        | "in"
                        | "with"
                        | "before"
                        | "after"
                        | "every"
                        | "each"
                        | "your"
                );
        }
    }
    let mut parts: Vec<u8> = Vec::new();
    for (run, _) in runs {
        let carried = run
            .first()
            .is_some_and(|&(first, _)| carries_an_amount(words, first, true))
            || run
                .last()
                .is_some_and(|&(last, _)| carries_an_amount(words, last, false));
        if !carried {
            continue;
        }
        for (_, part) in run {
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
    }
    parts
}

/// Whether an amount is written for the part of the day at `at`: before it ("1 tablet in the
/// morning", "1 tablet 30 minutes prior to breakfast", "1 tab po qam"), or, where `before` is
/// false, right after it ("in the morning take 1 tablet", "mane 1 tablet"), with only the words
/// that place a dose, a time before a meal, a route or "daily" between.
fn carries_an_amount(words: &[String], at: usize, before: bool) -> bool {
    let between = |word: &str| {
        matches!(
            word,
            "the"
                | "your"
                | "a"
                | "at"
                | "in"
                | "every"
                | "each"
                | "before"
                | "after"
                | "with"
                | "prior"
                | "to"
                | "during"
                | "following"
                | "by"
                | "daily"
                | "once"
                | "po"
                | "orally"
                | "oral"
                | "mouth"
                | "take"
                | "give"
                | "meal"
                | "time"
        )
    };
    let is_number = |index: usize| {
        words
            .get(index)
            .is_some_and(|word| word.parse::<f64>().is_ok())
    };
    if before {
        let mut index = at;
        while index > 0 {
            index -= 1;
            // A time before a meal is no amount ("30 minutes before breakfast").
            if index > 0 && time_offset_length(words, index - 1) == 2 {
                index -= 1;
                continue;
            }
            let word = words[index].as_str();
            if DOSE_UNITS.contains(&word) {
                return index > 0 && is_number(index - 1);
            }
            if is_number(index) {
                return !is_clock_time(words, index);
            }
            if !between(word) {
                return false;
            }
        }
        false
    } else {
        (at + 1..words.len())
            .find(|&index| !between(&words[index]))
            .is_some_and(is_number)
    }
}

/// Whether the words before the part of the day at `at` place a dose at it: "at", "in the",
/// "every", "before", "after", "with", "prior to", "during", or a dose's unit right before it
/// ("1 tablet morning and night").
fn places_a_dose_at(words: &[String], at: usize) -> bool {
    let mut before = at;
    while before > 0 && matches!(words[before - 1].as_str(), "the" | "your" | "a") {
        before -= 1;
    }
    before
        .checked_sub(1)
        .and_then(|index| words.get(index))
        .is_some_and(|word| {
            matches!(
                word.as_str(),
                "at" | "in"
                    | "every"
                    | "each"
                    | "before"
                    | "after"
                    | "with"
                    | "to"
                    | "during"
                    | "following"
                    | "by"
            ) || DOSE_UNITS.contains(&word.as_str())
        })
}

/// "x 2 per day", "x 3 a day": the count after the "x", per the period named after it in so
/// many words ("daily" alone is not one: "10 mg x 2 daily" is two tablets a day, see
/// [`schedule_follows`]).
fn times_per_period(words: &[String], at: usize) -> Option<f64> {
    if words.get(at).map(String::as_str) != Some("x") {
        return None;
    }
    let times = words
        .get(at + 1)?
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)?;
    let by = words.get(at + 2)?.as_str();
    if !(matches!(by, "per" | "a" | "an" | "/" | "each" | "every") || by.starts_with('/')) {
        return None;
    }
    period_after(words, at + 2).map(|days| times / days)
}

/// Doses a day of a schedule written as one Latin abbreviation (`bid`, `tds`, `q8h`, `qhs`), in
/// lower case without dots.
fn abbreviation(word: &str) -> Option<f64> {
    match word {
        "od" | "om" | "qd" | "nocte" | "mane" | "qhs" | "hs" | "qam" | "qpm" | "q24h" => Some(1.0),
        "bid" | "bd" => Some(2.0),
        "tid" | "tds" => Some(3.0),
        "qid" | "qds" => Some(4.0),
        "qod" => Some(0.5),
        "qw" | "qwk" => Some(1.0 / 7.0),
        q if q.starts_with('q') && q.ends_with('h') => q[1..q.len() - 1]
            .parse::<f64>()
            .ok()
            .filter(|h| h.is_finite() && *h > 0.0)
            .map(|hours| 24.0 / hours),
        _ => None,
    }
}

/// Doses a day of a named schedule: R4 `timing.code` (the v3 GTSAbbreviation codes of the
/// value set timing-abbreviation: `QD`, `BID`, `TID`, `QID`, `AM`, `PM`, `QOD`, `Q1H`…`Q8H`,
/// `BED`, `WK`, `MO`), or one Latin abbreviation as a dosage text writes it (`QHS`, `Q12H`,
/// `b.i.d.`). `AM` and `PM` are read only as a whole code: in a sentence ("8 am and 8 pm")
/// they are times, not schedules.
pub fn schedule_per_day(code: &str) -> Option<f64> {
    let word = code.trim().to_lowercase().replace('.', "");
    match word.as_str() {
        "am" | "pm" | "bed" => Some(1.0),
        "wk" => Some(1.0 / 7.0),
        "mo" => Some(1.0 / 30.0),
        other => abbreviation(other),
    }
}

/// Days in the period named at `index`: "daily", "a day", "per week", "weekly", "a month"…
fn period_after(words: &[String], index: usize) -> Option<f64> {
    let word = words.get(index)?.as_str();
    let word = match word {
        "a" | "per" | "each" | "every" | "/" => words.get(index + 1)?.as_str(),
        other => other,
    };
    unit_days(word)
}

/// "every 4 weeks", "every other day", "every 12 hours", "every morning".
fn every(words: &[String], index: usize) -> Option<f64> {
    let word = words.get(index)?.as_str();
    if matches!(word, "morning" | "evening" | "night" | "day") {
        return Some(1.0);
    }
    if matches!(word, "other" | "second" | "alternate") {
        return unit_days(words.get(index + 1)?).map(|days| 1.0 / (2.0 * days));
    }
    if let Ok(count) = word.parse::<f64>() {
        let days = unit_days(words.get(index + 1)?)? * count;
        return (days > 0.0).then(|| 1.0 / days);
    }
    unit_days(word).map(|days| 1.0 / days)
}

fn unit_days(word: &str) -> Option<f64> {
    Some(match word {
        "h" | "hr" | "hrs" | "hour" | "hours" => 1.0 / 24.0,
        "d" | "day" | "days" | "daily" => 1.0,
        "wk" | "wks" | "week" | "weeks" | "weekly" => 7.0,
        "mo" | "month" | "months" | "monthly" => 30.0,
        _ => return None,
    })
}

/// A rate the text gives: an amount per hour or per minute ("0.2 mg/kg/h", "5 mg per hour",
/// "3 mcg/kg/min", "10 mg an hour"), which only an infusion or a push runs at. An amount per day
/// is a schedule's, not a rate.
pub fn rate(text: &str) -> Option<(f64, String)> {
    let (words, _) = words_and_brackets(text);
    words.iter().enumerate().find_map(|(index, word)| {
        let value = word
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)?;
        let unit = words.get(index + 1)?;
        if let Some((per, time)) = unit.rsplit_once('/')
            && let Some(time) = time_unit(time)
            && !per.is_empty()
        {
            return Some((value, format!("{per}/{time}")));
        }
        let linked = matches!(
            words.get(index + 2).map(String::as_str),
            Some("per" | "an" | "a" | "each")
        );
        let time = words.get(index + 3).and_then(|t| time_unit(t))?;
        (linked && !unit.chars().any(|c| c.is_ascii_digit()))
            .then(|| (value, format!("{unit}/{time}")))
    })
}

/// A unit of time a rate is given in, as UCUM writes it.
fn time_unit(word: &str) -> Option<&'static str> {
    match word.trim() {
        "h" | "hr" | "hrs" | "hour" | "hours" => Some("h"),
        "min" | "mins" | "minute" | "minutes" => Some("min"),
        _ => None,
    }
}

/// Whether the text says the drug runs continuously: "continuous infusion", "infused
/// continuously", "midazolam drip" (US "gtt").
pub fn continuous_infusion(text: &str) -> bool {
    let (words, _) = words_and_brackets(text);
    let has = |options: &[&str]| words.iter().any(|word| options.contains(&word.as_str()));
    (has(&["continuous", "continuously"]) && has(&["infusion", "infused", "iv"]))
        || has(&["drip", "gtt", "gtts"])
}

#[cfg(test)]
mod tests {
    use super::{DosageText, read, split_day, words_and_brackets};

    /// A whole and a half is one amount, not the half alone.
    #[test]
    fn a_whole_and_a_half_is_one_amount() {
        reads(
            "Take 1 and a half tablets daily",
            Some((1.5, "tablet")),
            Some(1.0),
        );
        reads(
            "one and a half tablets bd",
            Some((1.5, "tablet")),
            Some(2.0),
        );
        reads("2 and half tablets daily", Some((2.5, "tablet")), Some(1.0));
        reads("half a tablet daily", Some((0.5, "tablet")), Some(1.0));
    }

    fn reads(text: &str, amount: Option<(f64, &str)>, per_day: Option<f64>) {
        let got = read(text);
        let want = DosageText {
            amount: amount.map(|(value, unit)| (value, unit.to_owned())),
            per_day,
            counted_day: None,
            counted_dose: None,
            day_total: false,
        };
        let close = match (got.per_day, want.per_day) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            (a, b) => a == b,
        };
        assert!(got.amount == want.amount && close, "{text}: {got:?}");
    }

    #[test]
    fn amounts_and_daily_schedules() {
        reads("500 mg twice daily", Some((500.0, "mg")), Some(2.0));
        reads("1 tablet bid", Some((1.0, "tablet")), Some(2.0));
        reads(
            "Take 2 tablets by mouth three times a day",
            Some((2.0, "tablet")),
            Some(3.0),
        );
        reads("250mg B.D.", Some((250.0, "mg")), Some(2.0));
        reads("one capsule once a day", Some((1.0, "capsule")), Some(1.0));
        reads("10 mg at night", Some((10.0, "mg")), Some(1.0));
        reads("100 mg q12h", Some((100.0, "mg")), Some(2.0));
        reads("5 mg every 8 hours", Some((5.0, "mg")), Some(3.0));
        reads("20 mg in the morning", Some((20.0, "mg")), Some(1.0));
        reads("400 mg 2 times daily", Some((400.0, "mg")), Some(2.0));
        reads("50 mg every other day", Some((50.0, "mg")), Some(0.5));
        reads(
            "Take 1 tablet (500 mg total) by mouth 2 (two) times daily.",
            Some((500.0, "mg")),
            Some(2.0),
        );
    }

    #[test]
    fn intervals_longer_than_a_day() {
        reads("20 mg weekly", Some((20.0, "mg")), Some(1.0 / 7.0));
        reads("15 mg once a week", Some((15.0, "mg")), Some(1.0 / 7.0));
        reads(
            "150 mg IM every 4 weeks",
            Some((150.0, "mg")),
            Some(1.0 / 28.0),
        );
        reads("234 mg monthly", Some((234.0, "mg")), Some(1.0 / 30.0));
        reads(
            "525 mg every 3 months",
            Some((525.0, "mg")),
            Some(1.0 / 90.0),
        );
        reads("40 mg every 2 weeks", Some((40.0, "mg")), Some(1.0 / 14.0));
    }

    #[test]
    fn named_schedules() {
        use super::schedule_per_day;
        for (code, per_day) in [
            ("BID", 2.0),
            ("TID", 3.0),
            ("QID", 4.0),
            ("QD", 1.0),
            ("AM", 1.0),
            ("PM", 1.0),
            ("QOD", 0.5),
            ("Q4H", 6.0),
            ("Q6H", 4.0),
            ("Q8H", 3.0),
            ("Q12H", 2.0),
            ("QHS", 1.0),
            ("BED", 1.0),
            ("WK", 1.0 / 7.0),
            ("MO", 1.0 / 30.0),
            ("b.i.d.", 2.0),
        ] {
            assert_eq!(schedule_per_day(code), Some(per_day), "{code}");
        }
        assert_eq!(schedule_per_day("Q0H"), None);
        assert_eq!(schedule_per_day("PRN"), None);
        // A time of day in a sentence is no schedule.
        reads("10 mg at 8 am and 8 pm", Some((10.0, "mg")), None);
    }

    /// A strength and a count of tablets: the dose is their product where the text says so,
    /// the mass where it says that is the whole dose, and unknown where it could be either.
    #[test]
    fn a_count_of_tablets_of_a_strength() {
        for text in [
            "2 x 10 mg at night",
            "10 mg x 2 at bedtime",
            "two 10 mg tablets at bedtime",
            "10mg tablets: take 2 at night",
            "Olanzapine 10 mg tablet, take 2 tablets at night",
            "2 tablets (10 mg each) at night",
            "Take 2 tablets (20 mg total) by mouth at bedtime",
            "20 mg (2 tablets) at night",
            "2 tablets (20 mg) at night",
        ] {
            reads(text, Some((20.0, "mg")), Some(1.0));
        }
        reads("½ tablet (5 mg) daily", Some((5.0, "mg")), Some(1.0));
        // A mass after "take" is the dose, no count of tablets: not 37.5 × 150.
        assert_ne!(
            read("venlafaxine 37.5 mg tablets: take 150 mg daily").amount,
            Some((5625.0, String::from("mg")))
        );
        reads(
            "1 tablet 500 mg twice daily",
            Some((500.0, "mg")),
            Some(2.0),
        );
        reads("500 mg tablet twice daily", Some((500.0, "mg")), Some(2.0));
        // How long, not how many: "x 2 weeks".
        reads("10 mg x 2 weeks daily", Some((10.0, "mg")), Some(1.0));
        // How often, not how many: the count belongs to the schedule (read once, not twice).
        reads("10 mg x 2 times a day", Some((10.0, "mg")), Some(2.0));
        reads("300 mg x 3 times a day", Some((300.0, "mg")), Some(3.0));
        reads("50 mg x 2 times daily", Some((50.0, "mg")), Some(2.0));
        reads("100 mg x 2 per day", Some((100.0, "mg")), Some(2.0));
        // The strength or the whole dose? Not guessed.
        reads("olanzapine 10 mg two tablets at night", None, Some(1.0));
        reads("10 mg, 2 tablets once daily", None, Some(1.0));
    }

    /// A mass the text calls the day's total is the day's dose, not one dose of the schedule.
    #[test]
    fn a_total_daily_dose_is_the_days_dose() {
        reads(
            "75 mg twice daily (150 mg total daily dose)",
            Some((150.0, "mg")),
            Some(1.0),
        );
        reads(
            "150 mg per day in 2 divided doses",
            Some((150.0, "mg")),
            Some(1.0),
        );
        // A schedule, no total: "500 mg twice a day" stays 500 mg twice.
        reads("500 mg twice a day", Some((500.0, "mg")), Some(2.0));
        reads(
            "Take 1 tablet (500 mg total) by mouth 2 (two) times daily",
            Some((500.0, "mg")),
            Some(2.0),
        );
    }

    /// A day's doses written one by one are their sum once a day, not the lower of them.
    #[test]
    fn a_day_written_dose_by_dose_is_their_sum() {
        reads("5 mg mane and 10 mg nocte", Some((15.0, "mg")), Some(1.0));
        reads("5 mg mane, 10 mg nocte", Some((15.0, "mg")), Some(1.0));
        reads(
            "100 mg in the morning and 200 mg at night",
            Some((300.0, "mg")),
            Some(1.0),
        );
        reads(
            "200 mg morning, 200 mg midday, 400 mg bedtime",
            Some((800.0, "mg")),
            Some(1.0),
        );
        // Not a split day: one part named twice, another schedule, a step.
        reads("5 mg mane and 10 mg mane", None, Some(1.0));
        assert_eq!(
            split_day(&words_and_brackets("5 mg twice daily, 10 mg nocte").0),
            None
        );
        assert_eq!(
            split_day(&words_and_brackets("25 mg nocte then 50 mg nocte").0),
            None
        );
        // A choice, an extra, a maximum, days between: no sum, and no one of them either.
        for text in [
            "5 mg mane or 10 mg nocte",
            "1 tablet in the morning, 2 at night if needed",
            "1 tablet in the morning and up to 2 at night",
            "1 tablet in the morning and 2 at night on alternate days",
            "Week 1: 1 tablet in the morning. Week 2: 2 tablets at night",
        ] {
            assert_eq!(read(text).amount, None, "{text}");
        }
    }

    /// A date or a year before an amount is no pattern of counts.
    #[test]
    fn a_day_pattern_is_small_counts_and_nothing_joined_to_them() {
        reads("1-0-2 tablets", Some((3.0, "tablet")), Some(1.0));
        reads("1 + 0 + 2 tablets", Some((3.0, "tablet")), Some(1.0));
        reads("10-0-20 mg", Some((30.0, "mg")), Some(1.0));
        reads(
            "Started 2026-01-01: 1 tablet daily",
            Some((1.0, "tablet")),
            Some(1.0),
        );
        reads(
            "2026-01-01 1 tablet daily",
            Some((1.0, "tablet")),
            Some(1.0),
        );
        reads("2026-01-01 tablets daily", None, Some(1.0));
        reads("1-0-12 tablets", None, None);
    }

    /// UK dm+d and prescribers' wordings: a count with no unit is of the product's units.
    #[test]
    fn a_count_with_no_unit_is_of_the_products_units() {
        for (text, count, per_day) in [
            ("1 od", 1.0, 1.0),
            ("1 om", 1.0, 1.0),
            ("2 bd", 2.0, 2.0),
            ("1BD", 1.0, 2.0),
            ("one b.i.d.", 1.0, 2.0),
            ("1 tds", 1.0, 3.0),
            ("1 qds", 1.0, 4.0),
            ("half bd", 0.5, 2.0),
            ("ONE TO BE TAKEN THREE TIMES A DAY", 1.0, 3.0),
            ("Two To Be Taken Four Times A Day", 2.0, 4.0),
            ("One To Be Taken At Night", 1.0, 1.0),
            ("take 1 in the morning", 1.0, 1.0),
            ("TAKE ONE TWICE DAILY", 1.0, 2.0),
            ("1 po q8h", 1.0, 3.0),
            ("1 by mouth once a day", 1.0, 1.0),
            ("1 daily for 28 days", 1.0, 1.0),
            ("1 mane, 2 nocte", 3.0, 1.0),
        ] {
            reads(text, Some((count, "dose")), Some(per_day));
        }
        for (text, count, unit, per_day) in [
            ("1 tab(s) orally 2 times a day", 1.0, "tablet", 2.0),
            ("1 cap(s) by mouth once a day", 1.0, "capsule", 1.0),
            (
                "2 tablet(s) orally every 12 hours x 30 days",
                2.0,
                "tablet",
                2.0,
            ),
            ("half a tablet twice daily", 0.5, "tablet", 2.0),
        ] {
            reads(text, Some((count, unit)), Some(per_day));
        }
        reads(
            "Sertraline 25mg tablets, two to be taken each day",
            Some((50.0, "mg")),
            Some(1.0),
        );
        // A number that counts times, hours, days, a clock time, a range, a choice or a step.
        for text in [
            "1-2 od",
            "1 or 2 at night",
            "1 od or 2 od",
            "take at 8 in the morning",
            "take 1 at 8 pm",
            "every 2 days",
            "2 times a day",
            "1 od for 7 days then 2 od",
            "1 od, may increase to 2 od",
            "12 od",
            "1 od if needed",
        ] {
            assert_eq!(read(text).amount, None, "{text}");
        }
    }

    /// A supply length that ends the text is no step; one a step follows is.
    #[test]
    fn a_supply_length_at_the_end_is_how_long_not_a_step() {
        reads(
            "500 mg in the morning and 1000 mg at night for 3 months",
            Some((1500.0, "mg")),
            Some(1.0),
        );
        reads(
            "1 tablet in the morning and 2 at night x 30 days",
            Some((3.0, "tablet")),
            Some(1.0),
        );
        for text in [
            "500 mg in the morning for 7 days and 1000 mg at night",
            "500 mg in the morning and 1000 mg at night for 7 days, then 500 mg at night",
            "500 mg in the morning for 1 week, 1000 mg at night for 2 weeks",
        ] {
            assert_eq!(read(text).amount, None, "{text}");
        }
    }

    /// Counts of one form on their own schedules, with the form written or not, are one day.
    #[test]
    fn counts_of_one_form_make_one_day_or_none() {
        reads(
            "one tablet twice daily and two at night",
            Some((4.0, "tablet")),
            Some(1.0),
        );
        reads("1 tablet bd and 2 nocte", Some((4.0, "tablet")), Some(1.0));
        for text in [
            "1 tablet bd and 2",
            "1 tablet od 2 tablets bd",
            "1 tablet bd and 2 capsules nocte",
        ] {
            assert_eq!(read(text).amount, None, "{text}");
        }
        reads(
            "2026 - 01 - 01 1 tablet daily",
            Some((1.0, "tablet")),
            Some(1.0),
        );
    }

    /// A written day's total stands only where the rest of the text makes the same day.
    #[test]
    fn a_written_total_is_checked_against_the_schedule() {
        assert_eq!(
            read("75 mg twice daily (300 mg total daily dose)").amount,
            None
        );
        let counted = read("1 bd (1000mg/day)");
        assert_eq!(counted.amount, Some((1000.0, String::from("mg"))));
        assert_eq!(counted.counted_day, Some((2.0, String::from("dose"))));
    }

    /// Steps labelled by week or day, one after another from day 1.
    #[test]
    fn labelled_steps_follow_one_another() {
        use super::steps;
        let read_steps = steps(
            "Week 1: 25 mg daily; Week 2: 50 mg daily; Week 3 onwards: 100 mg daily",
            &[],
        );
        let days: Option<Vec<Option<i64>>> =
            read_steps.map(|all| all.iter().map(|step| step.days).collect());
        assert_eq!(days, Some(vec![Some(7), Some(7), None]));
        for text in [
            "Week 1: 25 mg daily; Week 3: 50 mg daily",
            "Week 2 onwards: 50 mg daily",
            "Week 1 onwards: 25 mg daily; Week 2: 50 mg daily",
        ] {
            assert_eq!(steps(text, &[]), None, "{text}");
            assert_eq!(read(text).amount, None, "{text}");
        }
        // A length after its number is no label.
        reads("25 mg daily for 2 weeks", Some((25.0, "mg")), Some(1.0));
    }

    /// A range of amounts on a regular schedule is read at its low, the amount surely given
    /// each time, as a structured `doseRange` is: "12.5-25 mg daily" of sertraline is surely
    /// below its 50 mg minimum, never an unknown dose given the benefit of the doubt.
    #[test]
    fn a_range_of_amounts_is_read_at_its_low() {
        reads("12.5-25 mg daily", Some((12.5, "mg")), Some(1.0));
        reads("1 to 2 tablets daily", Some((1.0, "tablet")), Some(1.0));
        reads(
            "1 - 2 tablets twice daily",
            Some((1.0, "tablet")),
            Some(2.0),
        );
        reads(
            "Take 1 or 2 capsules at night",
            Some((1.0, "capsule")),
            Some(1.0),
        );
        reads("0.5-1 tablet bd", Some((0.5, "tablet")), Some(2.0));
        reads(
            "Take 50 - 100 mg twice a day",
            Some((50.0, "mg")),
            Some(2.0),
        );
        // A most is no range, and "as needed" is no regular dose.
        reads("up to 2 tablets daily", None, None);
        reads("1-2 tablets as needed", Some((1.0, "tablet")), None);
        // A range the wrong way round is no amount surely given.
        reads("25-12.5 mg daily", None, Some(1.0));
        // A range beside another amount is no dose: a strength, or one part of a day.
        for text in [
            "25-50 mg tablets: 1 tablet daily",
            "1-2 tablets in the morning and 2 at night",
        ] {
            assert_eq!(read(text).amount, None, "{text}");
        }
        // A change from one dose to another is no range.
        reads("Increase from 250 to 1000 mg twice daily", None, Some(2.0));
        reads("Titrate from 250 to 750 mg twice daily", None, Some(2.0));
        reads("increase 250 to 500 mg bd", None, Some(2.0));
        // A range of times is read at its least, however it is written.
        reads(
            "Take 1 tablet 1 to 2 times daily",
            Some((1.0, "tablet")),
            Some(1.0),
        );
        reads(
            "Take 1 tablet 1-2 times daily",
            Some((1.0, "tablet")),
            Some(1.0),
        );
        reads(
            "1 tablet 2 or 3 times a day",
            Some((1.0, "tablet")),
            Some(2.0),
        );
    }

    #[test]
    fn what_is_not_one_regular_dose_stays_unknown() {
        reads(
            "1-2 tablets every 4-6 hours as needed",
            Some((1.0, "tablet")),
            None,
        );
        reads("2 puffs as needed", Some((2.0, "puff")), None);
        reads("Use as directed", None, None);
        reads("500 mg", Some((500.0, "mg")), None);
    }
}
