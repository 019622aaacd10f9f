from frontline.checkpoints import services


def out(gate, actor, value, **kw):
    return services.record_passage(gate=gate, actor=actor, direction="out", value=value, **kw)


def inward(gate, actor, value, **kw):
    return services.record_passage(gate=gate, actor=actor, direction="in", value=value, **kw)
