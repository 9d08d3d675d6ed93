# BIND 설치
dnf install -y bind bind-utils
# named.conf 설정 백업 후 변경
cp /etc/named.conf /etc/named.bak
cat <<EOF > /etc/named.conf
options {
listen-on port 53 { any; }; # 모든 인터페이스에서 DNS 요청 수신
listen-on-v6 port 53 { ::1; };
directory "/var/named";
dump-file "/var/named/data/cache_dump.db";
statistics-file "/var/named/data/named_stats.txt";
memstatistics-file "/var/named/data/named_mem_stats.txt";
secroots-file "/var/named/data/named.secroots";
recursing-file "/var/named/data/named.recursing";
allow-query { 127.0.0.1; 192.168.10.0/24; }; # 내부망에서만 질의 허용
allow-recursion { 127.0.0.1; 192.168.10.0/24; }; # 내부망에서만 재귀 질의 허용
forwarders { # 외부 도메인 질의 전달 대상
168.126.63.1;
8.8.8.8;
};
recursion yes; # 재귀 쿼리 활성화
dnssec-validation yes;
managed-keys-directory "/var/named/dynamic";
geoip-directory "/usr/share/GeoIP";
pid-file "/run/named/named.pid";
session-keyfile "/run/named/session.key";
include "/etc/crypto-policies/back-ends/bind.config";
};
logging {
channel default_debug {
file "data/named.run";
severity dynamic;
};
};
zone "." IN {
type hint;
file "named.ca";
};
include "/etc/named.rfc1912.zones";
include "/etc/named.root.key";
EOF
# 문법 검증 (출력 없으면 정상)
named-checkconf /etc/named.conf
# 서비스 활성화 및 시작
systemctl enable --now named
# admin 자체 DNS 설정 (자기 자신을 DNS 서버로 사용) + 동작 확인
echo "nameserver 192.168.10.10" > /etc/resolv.conf
dig +short google.com @192.168.10.10
dig +short google.com
