# SPDX-License-Identifier: GPL-2.0
# spread.gp - SVG for the published report (bench/vmsg-publish): one bar per transport at its
# median, with a bar from the smallest to the largest repetition.
#   gnuplot -c spread.gp DATAFILE YLABEL TITLE OUTPUT.svg
# DATAFILE rows: transport median min max (written by vmsg-publish from the merged summary.json)
if (ARGC != 4) {
	print "usage: gnuplot -c spread.gp DATAFILE YLABEL TITLE OUTPUT.svg"
	exit status 2
}
set terminal svg size 800,480 noenhanced font "sans,12" background rgb "white"
set output ARG4
set title ARG3
set ylabel ARG2
set style fill solid 0.7 border -1
set boxwidth 0.6
set yrange [0:*]
set grid ytics
unset key
plot ARG1 using 0:2:xtic(1) with boxes lc rgb "#4477aa", \
     ARG1 using 0:2:3:4 with yerrorbars lc rgb "black" pt 0 lw 1.5, \
     ARG1 using 0:4:(sprintf("%.3g", $2)) with labels offset 0,0.8
