from airgaplab.cli.main import main

main()
