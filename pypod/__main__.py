from pypod.cli.main import main

raise SystemExit(main())
