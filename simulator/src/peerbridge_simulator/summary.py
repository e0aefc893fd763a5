"""What a run did, in a few lines a person reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .simulation import Simulation

STATUSES = ("attended", "late", "left_early", "no_show", "cancelled_by_participant")
LEVELS = ("imminent", "high", "moderate", "low")


def _share(part: int, whole: int) -> str:
    return f"{part:,} ({100 * part / whole:.1f}%)" if whole else f"{part:,}"


def summary_lines(sim: Simulation) -> list[str]:
    c, config, stats = sim.counts, sim.config, sim.gateway.stats
    ended = {key.split(":", 1)[1]: n for key, n in c.items() if key.startswith("ended:")}
    records = sum(c[f"attendance:{s}"] for s in STATUSES)
    screens = [s for per_month in sim.truth.screens.values() for s in per_month]
    signals = {key.split(":", 1)[1]: n for key, n in c.items() if key.startswith("signals:")}
    minutes, seconds = divmod(round(sim.elapsed_s), 60)
    acknowledged = sum(case.status != "open" for case in sim.desk.cases)
    return [
        f"PeerBridge simulation {sim.run_id}: {config.organization}, seed {config.seed}, {config.participants} "
        f"participants, {config.weeks} weeks ({config.start} to {config.end})",
        f"  programs        {c['programs']}: " + ", ".join(p.name for p in sim.programs),
        f"  workforce       {c['peers']} peers, {sum(len(p.supervisors) for p in sim.programs)} supervisors, "
        f"{c['clinicians']} clinicians (1 medical director), {c['rosters']} on-call rosters; "
        f"{c['supervision']} supervision hours logged",
        f"  enrollment      {c['enrolled']} enrolled, {c['matched']} matched with a peer, "
        f"{c['waitlisted']} waitlisted; "
        f"{sum(ended.values())} ended (" + ", ".join(f"{k} {n}" for k, n in sorted(ended.items())) + ")",
        f"  sessions        {c['sessions:one_to_one']:,} one-to-one, {c['sessions:group']:,} group "
        f"({c['series']} weekly series); {c['sessions_cancelled']} cancelled",
        f"  attendance      {records:,} records: " + ", ".join(
            f"{s.replace('_', ' ')} {_share(c[f'attendance:{s}'], records)}" for s in STATUSES),
        f"  documentation   {c['contacts']:,} contact notes ({c['contacts_signed']:,} signed), {c['goals']} goals "
        f"({c['goals_achieved']} achieved)",
        f"  questionnaires  PHQ-9 {c['questionnaires:phq9']:,}, GAD-7 {c['questionnaires:gad7']:,}, "
        f"C-SSRS screener {c['questionnaires:cssrs_screener']:,}",
        f"  safety          {len(screens):,} risk screens, {_share(sum(screens), len(screens))} positive; "
        f"{c['concerns']} peer concerns; signals " + ", ".join(f"{k} {n}" for k, n in sorted(signals.items())),
        f"  cases           {len(sim.desk.cases)} opened (" + ", ".join(
            f"{level} {sum(1 for case in sim.desk.cases if case.level == level)}" for level in LEVELS)
        + f"), {acknowledged} acknowledged, {c['cases_resolved']} resolved; {c['safety_plans']} safety plans; "
        f"{sim.desk.waited_s:.0f} s spent waiting for the escalation service",
        f"  hospital        {c['admissions']} psychiatric admissions, {c['discharges']} discharges, "
        f"{c['ed_visits']} ED visits; {c['outreach_48h']} peer contacts within 48 h of a psychiatric discharge",
        f"  gateway         {stats.requests:,} requests ({stats.requests / max(sim.elapsed_s, 1e-9):.0f}/s), "
        f"{stats.retries} retried, {stats.throttled} rate-limited ({stats.throttled_s:.0f} s waited); "
        f"{len(sim.gateway.ledger):,} writes acknowledged; {minutes} min {seconds:02d} s",
    ]
