  return Switchboard;
});
