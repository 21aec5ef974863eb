from intake.selectors import field_offices_for_state


def test_a_state_with_one_office_suggests_it(db):
    assert [o.code for o in field_offices_for_state("ga")] == ["ATL"]


def test_a_shared_state_offers_every_candidate(db):
    assert {o.code for o in field_offices_for_state("TX")} == {"DAL", "ELP", "HLG", "HOU", "SNA"}
    assert {o.code for o in field_offices_for_state("CA")} == {"LOS", "SND", "SFR"}
