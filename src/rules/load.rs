//! Reading TOML rule and drug files into typed models, with errors that name the file and line.

use super::RulesError;
use super::toml_file::toml_error;

/// Checks what the types cannot: unique criterion ids, exactly one kind per criterion, tiers,
/// labels and composites that name existing criteria, known values of the string parameters,
/// and classes that the drug book knows (a misspelled class would silently count nothing).
pub(super) fn validate(
    origin: &str,
    text: &str,
    set: &super::model::RuleSet,
    book: &super::drugs::DrugBook,
) -> Result<(), RulesError> {
    use super::model::{Kind, Tiers};

    super::ranges::check_rule_set(origin, text, set)?;
    let fail = |message: String, needle: &str| Err(toml_error(origin, text, &message, needle));
    let known_classes: std::collections::BTreeSet<&str> = book
        .drugs()
        .iter()
        .flat_map(|d| d.classes.iter().map(String::as_str))
        .collect();
    let check_classes = |classes: &[String]| -> Result<(), RulesError> {
        for class in classes {
            if !known_classes.contains(class.as_str()) {
                return fail(
                    format!("unknown drug class '{class}' (not in the drug book)"),
                    class,
                );
            }
        }
        Ok(())
    };
    let check_responses = |responses: &[String]| -> Result<(), RulesError> {
        for response in responses {
            if crate::domain::Response::parse_any(response).is_none() {
                return fail(format!("unknown response '{response}'"), response);
            }
        }
        Ok(())
    };
    // A response misspelled would silently read no diagnosis in remission.
    if let Some(spec) = &set.lines.relapse_diagnoses {
        check_responses(spec.remission_response.as_slice())?;
    }
    check_responses(&set.lines.remission_continues)?;
    // A product misspelled would silently fall back to the unnamed therapy.
    for ingredient in set.lines.therapy_procedure_products.values() {
        if book.get(ingredient).is_none() {
            return fail(
                format!("therapy_procedure_products: '{ingredient}' is not in the drug book"),
                ingredient,
            );
        }
    }
    for rule in &set.confounders {
        if let Some(days) = rule.resolved_days_before_progression
            && !(0..=365).contains(&days)
        {
            return fail(
                format!(
                    "confounder '{}': resolved_days_before_progression must be 0 to 365, not {days}",
                    rule.key
                ),
                "resolved_days_before_progression",
            );
        }
        if let Some(days) = rule.resolved_days_before_episode
            && !(0..=365).contains(&days)
        {
            return fail(
                format!(
                    "confounder '{}': resolved_days_before_episode must be 0 to 365, not {days}",
                    rule.key
                ),
                "resolved_days_before_episode",
            );
        }
        if rule.resolved_days_before_episode.is_some()
            && !set.criteria.iter().any(|c| c.escalation.is_some())
        {
            return fail(
                format!(
                    "confounder '{}': resolved_days_before_episode needs a criterion with an escalation (its episode)",
                    rule.key
                ),
                "resolved_days_before_episode",
            );
        }
    }
    let mut ids = std::collections::BTreeSet::new();
    for criterion in &set.criteria {
        if !ids.insert(criterion.id.as_str()) {
            return fail(
                format!("criterion id '{}' appears twice", criterion.id),
                &criterion.id,
            );
        }
        let kinds = criterion.kinds();
        if kinds.len() != 1 {
            return fail(
                format!(
                    "criterion '{}' must have exactly one kind, it has {}",
                    criterion.id,
                    kinds.len()
                ),
                &criterion.id,
            );
        }
        match kinds[0] {
            Kind::FailedTrials(spec) => {
                check_classes(&spec.classes)?;
                check_classes(&spec.escalation_to)?;
                if !matches!(spec.unit.as_str(), "drug" | "line") {
                    return fail(
                        format!("unit must be 'drug' or 'line', not '{}'", spec.unit),
                        &spec.unit,
                    );
                }
                if !matches!(spec.distinct_by.as_str(), "drug" | "mechanism" | "line") {
                    return fail(
                        format!(
                            "distinct_by must be 'drug', 'mechanism' or 'line', not '{}'",
                            spec.distinct_by
                        ),
                        &spec.distinct_by,
                    );
                }
                for reason in &spec.failure_reasons {
                    if crate::domain::StopReason::parse(reason).is_err() {
                        return fail(format!("unknown stop reason '{reason}'"), reason);
                    }
                }
                for rule in &spec.response {
                    if !matches!(rule.change.as_str(), "absolute" | "relative") {
                        return fail(
                            format!(
                                "change must be 'absolute' or 'relative', not '{}'",
                                rule.change
                            ),
                            &rule.change,
                        );
                    }
                    if rule.no_response_at_most.is_some() == rule.no_response_below.is_some() {
                        return fail(
                            format!(
                                "'{}': a response rule needs exactly one of no_response_at_most and no_response_below",
                                criterion.id
                            ),
                            &criterion.id,
                        );
                    }
                    if rule.high_above.is_some() != rule.high_no_response_at_most.is_some() {
                        return fail(
                            format!(
                                "'{}': high_above and high_no_response_at_most go together",
                                criterion.id
                            ),
                            &criterion.id,
                        );
                    }
                }
                if let Some(dose) = &spec.dose
                    && !matches!(
                        dose.method.as_str(),
                        "min_effective" | "chlorpromazine_equivalent"
                    )
                {
                    return fail(
                        format!("unknown dose method '{}'", dose.method),
                        &dose.method,
                    );
                }
                if (spec.unit == "drug") != spec.begun_together.is_some() {
                    return fail(
                        format!(
                            "'{}': begun_together ('one_treatment' or 'each_drug') is set for unit = 'drug', and only there (a schedule is its drugs together)",
                            criterion.id
                        ),
                        "begun_together",
                    );
                }
                if let Some(dose) = &spec.dose
                    && dose.days_at_dose
                    && spec.unit != "drug"
                {
                    return fail(
                        format!(
                            "'{}': days_at_dose needs unit = 'drug' (a schedule's drugs each have their own dose)",
                            criterion.id
                        ),
                        "days_at_dose",
                    );
                }
            }
            Kind::ConcurrentClasses(spec) => {
                for classes in spec.groups.values() {
                    check_classes(classes)?;
                }
                check_classes(&spec.require_classes)?;
                check_classes(&spec.require_any_class)?;
            }
            Kind::BloodPressure(spec) => {
                check_classes(&spec.classes)?;
                if !matches!(spec.state.as_str(), "uncontrolled" | "controlled") {
                    return fail(
                        format!(
                            "state must be 'uncontrolled' or 'controlled', not '{}'",
                            spec.state
                        ),
                        &spec.state,
                    );
                }
                if spec.min_span_days != 0 && spec.min_span_months.is_some() {
                    return fail(
                        format!(
                            "'{}': min_span_days and min_span_months are two ways to say one span: give one",
                            criterion.id
                        ),
                        "min_span_months",
                    );
                }
            }
            Kind::ObservationThreshold(spec) => {
                if spec.scores.is_empty() {
                    return fail(format!("'{}' lists no scores", criterion.id), &criterion.id);
                }
                for cut in &spec.scores {
                    if !matches!(
                        cut.comparison.as_str(),
                        "above" | "at_least" | "below" | "at_most"
                    ) {
                        return fail(
                            format!("unknown comparison '{}'", cut.comparison),
                            &cut.comparison,
                        );
                    }
                }
            }
            Kind::OngoingDose(spec) => check_classes(&spec.classes)?,
            Kind::LineRefractory(spec) => {
                check_responses(&spec.refractory_responses)?;
                if !matches!(spec.which.as_str(), "any" | "first" | "latest" | "all") {
                    return fail(
                        format!(
                            "which must be any, first, latest or all, not '{}'",
                            spec.which
                        ),
                        &spec.which,
                    );
                }
            }
            Kind::Relapse(spec) => {
                check_responses(&spec.responses)?;
                if spec.early_days.is_some() && spec.early_months.is_some() {
                    return fail(
                        format!(
                            "'{}': early_days and early_months are two ways to say one window: give one",
                            criterion.id
                        ),
                        "early_months",
                    );
                }
                if let Some(from) = &spec.marrow_from
                    && !set
                        .criteria
                        .iter()
                        .any(|c| c.id == *from && c.induction_failure.is_some())
                {
                    return fail(
                        format!("marrow_from names no induction_failure criterion '{from}'"),
                        from,
                    );
                }
            }
            Kind::ClassRefractory(spec) => {
                for classes in spec.groups.values() {
                    check_classes(classes)?;
                }
                if let Some(group) = spec
                    .min_drugs
                    .keys()
                    .find(|g| !spec.groups.contains_key(*g))
                {
                    return fail(format!("min_drugs names no group '{group}'"), group);
                }
                if let Some(group) = spec
                    .min_drugs
                    .keys()
                    .find(|g| !spec.groups.contains_key(*g))
                {
                    return fail(format!("min_drugs names no group '{group}'"), group);
                }
                check_responses(std::slice::from_ref(&spec.min_response))?;
            }
            Kind::InductionFailure(spec) => {
                check_classes(&spec.intensive_all)?;
                check_classes(&spec.intensive_any)?;
                check_responses(&spec.remission_responses)?;
                if !matches!(spec.response_marrow.as_str(), "last" | "first") {
                    return fail(
                        format!(
                            "response_marrow must be 'last' or 'first', not '{}'",
                            spec.response_marrow
                        ),
                        &spec.response_marrow,
                    );
                }
            }
            Kind::Escalation(spec) => {
                check_classes(&spec.first_line_classes)?;
                check_classes(&spec.second_line_classes)?;
                check_classes(&spec.anaesthetic_classes)?;
                if !matches!(spec.stage.as_str(), "refractory" | "super_refractory") {
                    return fail(
                        format!(
                            "stage must be 'refractory' or 'super_refractory', not '{}'",
                            spec.stage
                        ),
                        &spec.stage,
                    );
                }
            }
            Kind::RecentEvidence(spec) => check_classes(&spec.classes)?,
            Kind::RelapseAfterProcedure(spec) => {
                if spec.window_days.is_some() == spec.window_months.is_some() {
                    return fail(
                        format!(
                            "'{}': give the window as window_days or window_months, one of the two",
                            criterion.id
                        ),
                        &criterion.id,
                    );
                }
            }
            Kind::AnyOf(_) | Kind::AllOf(_) => {}
        }
    }
    let named = |id: &String| set.criteria.iter().any(|c| c.id == *id);
    for criterion in &set.criteria {
        for part in criterion
            .any_of
            .iter()
            .chain(criterion.all_of.iter())
            .flat_map(|c| c.criteria.iter())
        {
            if !named(part) || *part == criterion.id {
                return fail(
                    format!("'{}' names unknown criterion '{part}'", criterion.id),
                    part,
                );
            }
        }
    }
    for id in set
        .tiers
        .refractory
        .iter()
        .chain(&set.tiers.resistant)
        .chain(&set.tiers.relapsed)
    {
        if !named(id) {
            return fail(format!("tier names unknown criterion '{id}'"), id);
        }
    }
    if set.tiers.refractory.is_empty() {
        return fail(
            String::from("the refractory tier needs at least one criterion"),
            "[tiers]",
        );
    }
    for tier in &set.tiers.lower_bounds {
        let criteria = match tier.as_str() {
            "resistant" => &set.tiers.resistant,
            "relapsed" => &set.tiers.relapsed,
            _ => {
                return fail(
                    format!(
                        "lower_bounds names '{tier}': only {} can be one",
                        Tiers::LOWER.join(" or ")
                    ),
                    tier,
                );
            }
        };
        if criteria.is_empty() {
            return fail(
                format!("lower_bounds names '{tier}', a tier with no criteria"),
                tier,
            );
        }
    }
    if !set.tiers.resistant.is_empty() && set.labels.resistant.is_none() {
        return fail(
            String::from("a resistant tier needs labels.resistant"),
            "[labels]",
        );
    }
    for rule in &set.label_rules {
        if !named(&rule.criterion) {
            return fail(
                format!("label_when names unknown criterion '{}'", rule.criterion),
                &rule.criterion,
            );
        }
        if crate::domain::AssessmentStatus::parse(&rule.tier).is_err() {
            return fail(
                format!("label_when has unknown tier '{}'", rule.tier),
                &rule.tier,
            );
        }
    }
    for rule in &set.confounders {
        check_classes(&rule.when_given)?;
        check_classes(&rule.unless_given)?;
        if let Some(name) = rule
            .screen
            .iter()
            .find(|name| !rule.recorded.iter().any(|cause| &cause.name == *name))
        {
            return fail(
                format!("screen names '{name}', which is none of the confounder's recorded names"),
                name,
            );
        }
    }
    for lines_class in &set.lines.classes {
        check_classes(std::slice::from_ref(lines_class))?;
    }
    check_classes(&set.indication.treatment_classes)?;
    if set.indication.treatment_is_line_classes && set.lines.classes.is_empty() {
        return fail(
            String::from("treatment_is_line_classes: the rule set names no [lines] classes"),
            "treatment_is_line_classes",
        );
    }
    if let Some(margin) = set.indication.untied_begun_margin_days
        && margin < 0
    {
        return fail(
            format!("untied_begun_margin_days: {margin} is below 0"),
            "untied_begun_margin_days",
        );
    }
    for ingredient in &set.indication.treatment_ingredients {
        if book.get(ingredient).is_none() {
            return fail(
                format!("treatment_ingredients: '{ingredient}' is not in the drug book"),
                ingredient,
            );
        }
    }
    if let Some(spec) = &set.m_protein {
        check_responses(std::slice::from_ref(&spec.response.cut))?;
        let response = &spec.response;
        if !(response.minimal <= response.partial && response.partial <= response.very_good_partial)
        {
            return fail(
                String::from(
                    "[m_protein.response] needs minimal <= partial <= very_good_partial (a deeper response is a larger fall)",
                ),
                "[m_protein.response]",
            );
        }
        if spec.urine_response.as_ref().is_some_and(|urine| {
            urine.minimal > urine.partial || urine.very_good_partial_below > urine.partial_below
        }) {
            return fail(
                String::from(
                    "[m_protein.urine_response] needs minimal <= partial and very_good_partial_below <= partial_below (a deeper response is a larger fall, a lower value)",
                ),
                "[m_protein.urine_response]",
            );
        }
        for (header, rise) in [
            ("[m_protein.serum_rise]", Some(&spec.serum_rise)),
            ("[m_protein.urine_rise]", spec.urine_rise.as_ref()),
            ("[m_protein.flc_rise]", spec.flc_rise.as_ref()),
        ] {
            if rise.is_some_and(|r| r.high_nadir.is_some() != r.high_nadir_absolute.is_some()) {
                return fail(
                    format!("{header}: high_nadir and high_nadir_absolute go together"),
                    header,
                );
            }
        }
        if spec.kappa.is_some() != spec.lambda.is_some() {
            return fail(
                String::from(
                    "[m_protein]: kappa and lambda go together (the difference of the two is read)",
                ),
                "[m_protein",
            );
        }
    }
    Ok(())
}
