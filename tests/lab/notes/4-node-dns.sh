# NetworkManager에서 DNS 관리 끄기
cat << EOF > /etc/NetworkManager/conf.d/99-dns-none.conf
[main]
dns=none
EOF
systemctl restart NetworkManager
# DNS 서버를 admin으로 설정 + 동작 확인
echo "nameserver 192.168.10.10" > /etc/resolv.conf
dig +short google.com @192.168.10.10
dig +short google.com
