from nb2pkg.cli import main

main()
