# 변경 전: 외부 NTP 서버와 직접 동기화
chronyc sources -v
# chrony 설정 변경: admin을 NTP 서버로 지정
cp /etc/chrony.conf /etc/chrony.bak
cat << EOF > /etc/chrony.conf
server 192.168.10.10 iburst
logdir /var/log/chrony
EOF
systemctl restart chronyd.service
# 변경 후: admin과 동기화 확인
chronyc sources -v
