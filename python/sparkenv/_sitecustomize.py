# Written by sparkenv as sitecustomize.py at the root of a bootstrap folder
# (sparkenv-boot-<hash>/), which is first on PYTHONPATH: Python imports it at
# start-up, before any user code. It checks this interpreter against the
# environment and prepares sys.path (sparkenv/_boot.py), then runs the
# sitecustomize it hides, if the interpreter has one.
def _sparkenv_boot():
    import os
    import sys

    boot_dir = os.path.dirname(os.path.abspath(__file__))
    try:
        from sparkenv import _boot
    except Exception as e:  # never keep Python from starting
        sys.stderr.write("sparkenv: cannot load the bootstrap from %s: %s\n" % (boot_dir, e))
        return
    _boot.run(boot_dir)
    _boot.chain_next_sitecustomize(boot_dir)


_sparkenv_boot()
del _sparkenv_boot
