from midtier.cli import main

raise SystemExit(main())
