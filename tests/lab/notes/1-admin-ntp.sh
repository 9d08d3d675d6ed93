# 현재 chrony 상태 확인
systemctl status chronyd.service --no-pager
# 주석 제외한 현재 설정 확인
grep "^[^#]" /etc/chrony.conf
# 현재 동기화 중인 NTP 서버 확인 (^*가 기준 서버)
chronyc sources -v
# 설정 백업 후 변경
cp /etc/chrony.conf /etc/chrony.bak
cat << EOF > /etc/chrony.conf
# 외부 한국 공용 NTP 서버 설정
server pool.ntp.org iburst
server kr.pool.ntp.org iburst
# 내부망(192.168.10.0/24)에서 이 서버에 접속하여 시간 동기화 허용
allow 192.168.10.0/24
# 외부망이 끊겼을 때도 로컬 시계를 기준으로 내부망에 시간 제공
local stratum 10
# 로그
logdir /var/log/chrony
EOF
# 서비스 재시작
systemctl restart chronyd.service
# 상태 확인
timedatectl status
# 동기화 서버 확인
chronyc sources -v
