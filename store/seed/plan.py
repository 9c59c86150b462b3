"""The world plan: everything both stores must agree on, drawn from (seed, cases) alone.

Both administrations' stores are written from the same plan, whichever of them is being seeded,
so seeding one store alone gives exactly the rows it gets when both are seeded. The plan holds
the case calendars, the entities both stores know (some matchable only by transliterating the
name), the entities one store's cases point to in the partner's store, the assistance requests
with their decisions, and the links the two sides confirmed.
"""

from store.agreement import Agreement
from store.seed.calendar import case_calendar
from store.seed.codes import Serials
from store.seed.plan_entities import plan_links, plan_shared_entities
from store.seed.plan_requests import plan_requests
from store.seed.profiles import Maker
from store.seed.timeline import stream
from store.seed.world import BOTH, PlannedLoad, World


def build_world(seed: int, cases: int, agreement: Agreement) -> World:
    calendars = {adm: case_calendar(seed, cases, agreement, adm) for adm in BOTH}
    maker = Maker(stream(seed, "plan", "entities"), Serials(seed, "shared"))
    load: PlannedLoad = {adm: {} for adm in BOTH}
    entities = plan_shared_entities(seed, cases, calendars, maker, load)
    requests = {
        adm: plan_requests(seed, adm, calendars, agreement, maker, load) for adm in BOTH
    }
    for adm in BOTH:
        entities.extend(r.subject for r in requests[adm] if r.subject is not None)
    # Ids in each store: the shared entities first, then the cited ones, in plan order.
    for adm in BOTH:
        next_id = 1
        for entity in entities:
            if adm in entity.holders:
                entity.ids[adm] = next_id
                next_id += 1
    links = plan_links(seed, entities, calendars)
    return World(seed, cases, calendars, entities, requests, links)
