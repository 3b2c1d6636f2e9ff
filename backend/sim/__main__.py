from backend.sim.cli import main

raise SystemExit(main())
