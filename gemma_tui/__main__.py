from gemma_tui.cli import main

raise SystemExit(main())
